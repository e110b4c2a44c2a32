import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { asApiError, type ApiError, apiGet, apiSend } from '../api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useLoad, useTitle } from '../components/hooks.js';
import { SkeletonBlock } from '../components/Skeleton.js';
import { useSources } from '../components/use-sources.js';
import { formatDateTime, formatMs, formatPhone, formatStage } from '../format.js';
import { prettyJson, showJson } from '../json-text.js';
import { decodeJwt } from '../jwt.js';
import { providerLabel } from '../providers.js';
import { Link } from '../router.js';
import type { PageProps } from '../session.js';
import type { Attribution, Delivery, Destination, LeadWithTimeline, Page, RequestDetail, StoredRequest, TimelineEntry } from '../types.js';
import { leadName } from './Leads.js';

/** Requests listed per page (GET /api/requests?leadId=); each one's body is then opened (one call each). */
const REQUESTS_PAGE = 10;
/** At most this many deliveries are opened one by one (each is one API call). */
const MAX_DELIVERIES = 100;
const MAX_DELIVERY_DETAILS = 30;

export function LeadPage({ role, params }: PageProps) {
  const id = params['id'] ?? '';
  const lead = useLoad(() => apiGet<LeadWithTimeline>(`/api/leads/${encodeURIComponent(id)}`), [id]);
  const name = lead.data === undefined ? (lead.error?.status === 404 ? 'Lead not found' : 'Lead') : leadName(lead.data);
  useTitle(name);

  if (lead.error?.status === 404) {
    return (
      <div class="page">
        <h1>Lead not found</h1>
        <p class="empty">
          There is no lead with the id <span class="mono">{id}</span>. <Link href="/leads">Back to the list</Link>
        </p>
      </div>
    );
  }
  const data = lead.data;
  return (
    <div class="page">
      <p class="breadcrumb small">
        <Link href="/leads">
          <span aria-hidden="true">← </span>Back to the list
        </Link>
      </p>
      <div class="page-header">
        {data === undefined ? (
          <>
            <h1 class="visually-hidden">Lead</h1>
            <span class="skeleton skeleton-title" aria-hidden="true" />
          </>
        ) : (
          <>
            <h1>{leadName(data)}</h1>
            {data.isTest ? <span class="badge badge-test">test lead</span> : null}
          </>
        )}
      </div>
      <ErrorNote error={lead.error} retry={lead.reload} />
      {data?.erasedAt === undefined ? null : (
        <p class="alert">Personal data erased on {formatDateTime(data.erasedAt)}. The stage, ids and times are kept.</p>
      )}
      {data === undefined ? <LeadSkeleton /> : <LeadDetails lead={data} role={role} />}
    </div>
  );
}

function LeadSkeleton() {
  return (
    <div class="lead-sections" aria-busy="true">
      {['Person', 'Stage', 'Attribution', 'Provider fields'].map((t) => (
        <section class="card" key={t}>
          <h2>{t}</h2>
          <SkeletonBlock lines={4} />
        </section>
      ))}
    </div>
  );
}

/** A term and its value; values are always text (JSX escapes them). */
function Prop({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

const dash = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? '—' : v);

function LeadDetails({ lead, role }: { lead: LeadWithTimeline; role: PageProps['role'] }) {
  const p = lead.person;
  const source = useSources()?.find((s) => s.id === lead.sourceId);
  const extra = Object.entries(lead.extra ?? {});
  return (
    <div class="lead-sections">
      <section class="card" aria-labelledby="h-person">
        <h2 id="h-person">Person</h2>
        <dl class="props">
          <Prop term="Name">{dash(p.fullName ?? ([p.firstName, p.lastName].filter(Boolean).join(' ') || null))}</Prop>
          <Prop term="Phone">
            {p.phone === null ? dash(p.phoneRaw) : formatPhone(p.phone)}
            {p.phoneExtension === null ? null : ` ext. ${p.phoneExtension}`}
          </Prop>
          {p.phoneRaw !== null && p.phoneRaw !== p.phone ? <Prop term="Phone as sent">{p.phoneRaw}</Prop> : null}
          {p.otherPhones.length > 0 ? <Prop term="Other phones">{p.otherPhones.map(formatPhone).join(', ')}</Prop> : null}
          <Prop term="E-mail">{dash(p.email ?? p.emailRaw)}</Prop>
          {p.emailRaw !== null && p.email !== null && p.emailRaw !== p.email ? <Prop term="E-mail as sent">{p.emailRaw}</Prop> : null}
          <Prop term="Message">{lead.message === null ? '—' : <span class="pre-wrap">{lead.message}</span>}</Prop>
        </dl>
      </section>

      <section class="card" aria-labelledby="h-stage">
        <h2 id="h-stage">Stage</h2>
        <dl class="props">
          <Prop term="Stage">
            <span class={`badge badge-${lead.stage}`}>{formatStage(lead.stage)}</span>
          </Prop>
          <Prop term="Provider status">{dash(lead.providerStatus)}</Prop>
          <Prop term="Assignee">
            {lead.assignee === null ? '—' : [lead.assignee.name, lead.assignee.email].filter((x) => x !== null && x !== '').join(', ') || '—'}
          </Prop>
          <Prop term="Provider">{providerLabel(lead.provider)}</Prop>
          <Prop term="Source">{source?.name ?? lead.sourceId}</Prop>
          <Prop term="Provider's lead id">
            <span class="mono">{lead.providerLeadId}</span>
          </Prop>
          <Prop term="Created by provider">{formatDateTime(lead.providerCreatedAt)}</Prop>
          <Prop term="First seen">{formatDateTime(lead.firstSeenAt)}</Prop>
          <Prop term="Last activity">{formatDateTime(lead.lastEventAt)}</Prop>
          <Prop term="leadhook id">
            <span class="mono">{lead.id}</span>
          </Prop>
        </dl>
      </section>

      <section class="card" aria-labelledby="h-attribution">
        <h2 id="h-attribution">Attribution</h2>
        <AttributionList attribution={lead.attribution} />
        {lead.firstAttribution !== null && JSON.stringify(lead.firstAttribution) !== JSON.stringify(lead.attribution) ? (
          <>
            <h3 class="subhead">First attribution</h3>
            <AttributionList attribution={lead.firstAttribution} />
          </>
        ) : null}
      </section>

      <section class="card" aria-labelledby="h-extra">
        <h2 id="h-extra">Provider fields</h2>
        {extra.length === 0 ? (
          <p class="muted">The provider sent no field beyond the ones above.</p>
        ) : (
          <dl class="props">
            {extra.map(([key, value]) => (
              <Prop term={key} key={key}>
                {value !== null && typeof value === 'object' ? <pre class="code code-inline" tabIndex={0}>{showJson(value)}</pre> : value === null ? '—' : value === '' ? <span class="muted">(empty)</span> : String(value)}
              </Prop>
            ))}
          </dl>
        )}
      </section>

      <section class="card span-2" aria-labelledby="h-timeline">
        <h2 id="h-timeline">Timeline</h2>
        <Timeline entries={lead.timeline} />
      </section>

      <section class="card span-2" aria-labelledby="h-requests">
        <h2 id="h-requests">Requests</h2>
        <Requests leadId={lead.id} />
      </section>

      <section class="card span-2" aria-labelledby="h-deliveries">
        <h2 id="h-deliveries">Deliveries</h2>
        <Deliveries leadId={lead.id} role={role} />
      </section>
    </div>
  );
}

function AttributionList({ attribution }: { attribution: Attribution }) {
  return (
    <dl class="props">
      <Prop term="Channel">{dash(attribution.channel)}</Prop>
      <Prop term="Source">{dash(attribution.source)}</Prop>
      <Prop term="Sub-source">{dash(attribution.subSource)}</Prop>
      <Prop term="Placement">{dash(attribution.placement)}</Prop>
      {/* Shown as text, not a link: the address comes from a webhook. */}
      <Prop term="Page">{attribution.pageUrl === null ? '—' : <span class="break">{attribution.pageUrl}</span>}</Prop>
    </dl>
  );
}

const KIND_LABELS: Record<string, string> = {
  created: 'Created',
  first_received: 'First received',
  field_changed: 'Changed',
  status_changed: 'Status changed',
  note: 'Note',
  call: 'Call',
  appointment: 'Visit',
  disposition: 'Disposition',
  booking: 'Booking',
  reenquiry: 'Re-enquiry',
  assigned: 'Assigned',
};

/** When an entry happened: the provider's time when it gave one, else when leadhook recorded it. */
const when = (e: TimelineEntry) => e.occurredAt ?? e.recordedAt;

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const sorted = useMemo(
    () => entries.map((e, i) => ({ e, i })).sort((a, b) => (when(a.e) < when(b.e) ? -1 : when(a.e) > when(b.e) ? 1 : a.i - b.i)).map(({ e }) => e),
    [entries],
  );
  if (sorted.length === 0) return <p class="muted">Nothing has happened to this lead yet.</p>;
  return (
    <ol class="timeline">
      {sorted.map((e) => (
        <li key={e.id}>
          <div class="timeline-head">
            <span class="badge">{KIND_LABELS[e.kind] ?? formatStage(e.kind)}</span>
            <time dateTime={when(e)}>{formatDateTime(when(e))}</time>
            {e.occurredAt === null ? <span class="muted small">(time received)</span> : null}
          </div>
          <p class="timeline-summary">{e.summary}</p>
          <TimelineData entry={e} />
        </li>
      ))}
    </ol>
  );
}

function TimelineData({ entry }: { entry: TimelineEntry }) {
  const keys = Object.keys(entry.data ?? {});
  if (keys.length === 0) return null;
  return (
    <details class="timeline-data">
      <summary class="small muted">Details</summary>
      <pre class="code" tabIndex={0}>{showJson(entry.data)}</pre>
    </details>
  );
}

/** A request that touched the lead: opened for its body, or as listed with `bodyError` when it could not be. */
type LeadRequest = StoredRequest & Partial<RequestDetail> & { bodyError?: string };

/**
 * One page of the requests that touched the lead (GET /api/requests?leadId=, newest first), each
 * opened for its body and verified claims, which the list does not carry.
 */
async function requestPage(leadId: string, cursor: string | undefined): Promise<Page<LeadRequest>> {
  const page = await apiGet<Page<StoredRequest>>('/api/requests', { leadId, limit: REQUESTS_PAGE, cursor });
  const items = await Promise.all(
    page.items.map((r) =>
      apiGet<RequestDetail>(`/api/requests/${encodeURIComponent(r.id)}`).catch((e: unknown): LeadRequest => ({ ...r, bodyError: e instanceof Error ? e.message : String(e) })),
    ),
  );
  return { items, nextCursor: page.nextCursor };
}

/** The requests that touched the lead, newest first, with their exact bodies; older pages on demand. */
function Requests({ leadId }: { leadId: string }) {
  const first = useLoad(() => requestPage(leadId, undefined), [leadId]);
  const [older, setOlder] = useState<{ leadId: string; pages: Page<LeadRequest>[] }>({ leadId, pages: [] });
  const [more, setMore] = useState<{ busy: boolean; error: ApiError | undefined }>({ busy: false, error: undefined });
  if (first.data === undefined) return first.error === undefined ? <SkeletonBlock lines={5} /> : <ErrorNote error={first.error} retry={first.reload} />;
  const pages = [first.data, ...(older.leadId === leadId ? older.pages : [])];
  const items = pages.flatMap((p) => p.items);
  const next = pages[pages.length - 1]?.nextCursor ?? null;
  if (items.length === 0) return <p class="muted">No stored request touched this lead.</p>;

  const loadOlder = async (cursor: string) => {
    setMore({ busy: true, error: undefined });
    try {
      const page = await requestPage(leadId, cursor);
      setOlder((o) => ({ leadId, pages: [...(o.leadId === leadId ? o.pages : []), page] }));
      setMore({ busy: false, error: undefined });
    } catch (e) {
      setMore({ busy: false, error: asApiError(e) });
    }
  };
  return (
    <>
      {items.map((r) => (
        <RequestItem request={r} key={r.id} />
      ))}
      <ErrorNote error={more.error} />
      {next === null ? null : (
        <p class="note">
          <button type="button" class="btn" disabled={more.busy} onClick={() => void loadOlder(next)}>
            Show older requests
          </button>
        </p>
      )}
    </>
  );
}

function RequestItem({ request }: { request: LeadRequest }) {
  const body = request.body ?? null;
  const pretty = body === null ? null : prettyJson(body);
  const bodyJwt = body === null ? null : decodeJwt(body);
  const verifiedClaims = request.authPayload;
  return (
    <article class="request-item" aria-labelledby={`req-${request.id}`}>
      <div class="item-head">
        <h3 id={`req-${request.id}`}>
          <Link href={`/requests/${encodeURIComponent(request.id)}`}>
            <span class="mono">{request.id}</span>
          </Link>
        </h3>
        <span class={`badge badge-${request.status}`}>{request.status}</span>
        <span class="muted small">
          {providerLabel(request.provider)}, received {formatDateTime(request.receivedAt, { seconds: true })}, answered {request.httpStatus}
        </span>
      </div>
      {request.reason === null ? null : <p class="small">Reason: {request.reason}</p>}
      {request.bodyError !== undefined ? (
        <p class="muted small">
          Its body could not be loaded: {request.bodyError}. <Link href={`/requests/${encodeURIComponent(request.id)}`}>Open the request</Link>
        </p>
      ) : body === null ? (
        <p class="muted small">The body is binary ({request.bodySize} bytes) and is not shown.</p>
      ) : body === '' ? (
        <p class="muted small">The body was empty.</p>
      ) : (
        <>
          <pre class="code" tabIndex={0}>
            {bodyJwt !== null ? body : (pretty ?? body)}
          </pre>
          {pretty !== null ? (
            <details class="small">
              <summary>Body exactly as received</summary>
              <pre class="code" tabIndex={0}>{body}</pre>
            </details>
          ) : null}
        </>
      )}
      {request.bodyError !== undefined ? null : verifiedClaims !== undefined ? (
        <div class="jwt">
          <p class="small">
            {request.provider === 'leadpro' ? 'LeadPro JWT' : 'Signed token'} from the Authorization header, decoded:{' '}
            <span class="jwt-verdict verified">signature verified</span>
            <span class="muted"> (by leadhook when the webhook arrived)</span>
          </p>
          <pre class="code" tabIndex={0}>{showJson(verifiedClaims)}</pre>
        </div>
      ) : bodyJwt !== null ? (
        <div class="jwt">
          <p class="small">
            JWT in the body, decoded: <span class="jwt-verdict unverified">signature not verified</span>
          </p>
          <pre class="code" tabIndex={0}>{showJson({ header: bodyJwt.header, claims: bodyJwt.claims })}</pre>
        </div>
      ) : request.provider === 'leadpro' ? (
        <p class="small">
          LeadPro JWT: <span class="jwt-verdict unverified">signature not verified</span> <span class="muted">(this request keeps no verified claims)</span>
        </p>
      ) : null}
    </article>
  );
}

type DeliveryWithAttempts = Delivery & { detailError?: string };

function Deliveries({ leadId, role }: { leadId: string; role: PageProps['role'] }) {
  const destinations = useLoad(() => apiGet<{ items: Destination[] }>('/api/destinations').catch(() => ({ items: [] as Destination[] })), []);
  const names = useMemo(() => new Map((destinations.data?.items ?? []).map((d) => [d.id, d.name])), [destinations.data]);
  const list = useLoad(async () => {
    const page = await apiGet<Page<Delivery>>('/api/deliveries', { leadId, limit: MAX_DELIVERIES });
    const detailed = await Promise.all(
      page.items.map((d, i) =>
        i >= MAX_DELIVERY_DETAILS
          ? Promise.resolve<DeliveryWithAttempts>(d)
          : apiGet<Delivery>(`/api/deliveries/${encodeURIComponent(d.id)}`).catch((e: unknown): DeliveryWithAttempts => ({ ...d, detailError: e instanceof Error ? e.message : 'not loaded' })),
      ),
    );
    return { items: detailed, more: page.nextCursor !== null };
  }, [leadId]);
  const [overrides, setOverrides] = useState<Record<string, DeliveryWithAttempts>>({});
  // While a delivery is still being tried, look again every few seconds (attempts and outcome).
  const inFlight = (list.data?.items ?? []).some((d) => d.status === 'pending' || d.status === 'delivering');
  useEffect(() => {
    if (!inFlight || list.loading) return;
    const timer = setTimeout(() => list.reload(), 3000);
    return () => clearTimeout(timer);
  }, [list.data, inFlight, list.loading]);
  const [status, setStatus] = useState('');
  const [retryError, setRetryError] = useState<string | null>(null);

  async function retry(d: Delivery): Promise<void> {
    setRetryError(null);
    try {
      const updated = await apiSend<Delivery>('POST', `/api/deliveries/${encodeURIComponent(d.id)}/retry`);
      setOverrides((o) => ({ ...o, [d.id]: { ...d, ...updated, attempts: d.attempts ?? [] } }));
      setStatus(`Delivery to ${names.get(d.destinationId) ?? d.destinationId} queued again.`);
      list.reload();
    } catch (e) {
      setRetryError(e instanceof Error ? e.message : 'The retry failed.');
    }
  }

  // Grouped by event: what was sent for the lead, then where each copy went.
  const events = useMemo(() => {
    const groups = new Map<string, DeliveryWithAttempts[]>();
    for (const raw of list.data?.items ?? []) {
      const d = overrides[raw.id] !== undefined && list.data !== undefined && overrides[raw.id]!.updatedAt >= raw.updatedAt ? overrides[raw.id]! : raw;
      const group = groups.get(d.eventId) ?? [];
      group.push(d);
      groups.set(d.eventId, group);
    }
    return [...groups.entries()];
  }, [list.data, overrides]);

  return (
    <>
      <p role="status" class="small">
        {status}
      </p>
      {retryError === null ? null : (
        <p class="alert alert-error" role="alert">
          {retryError}
        </p>
      )}
      <ErrorNote error={list.error} retry={list.reload} />
      {list.data === undefined ? (
        list.error === undefined ? <SkeletonBlock lines={4} /> : null
      ) : events.length === 0 ? (
        <p class="muted">No event was sent for this lead: no destination took it, or none exists yet.</p>
      ) : (
        events.map(([eventId, deliveries]) => (
          <article class="delivery-item" key={eventId} aria-labelledby={`evt-${eventId}`}>
            <div class="item-head">
              <h3 id={`evt-${eventId}`}>{deliveries[0]!.eventType}</h3>
              <span class="muted small mono">{eventId}</span>
              <span class="muted small">{formatDateTime(deliveries[0]!.createdAt, { seconds: true })}</span>
            </div>
            {deliveries.map((d) => (
              <DeliveryRow delivery={d} name={names.get(d.destinationId) ?? d.destinationId} canRetry={role === 'admin'} onRetry={() => void retry(d)} key={d.id} />
            ))}
          </article>
        ))
      )}
      {list.data?.more === true ? <p class="muted small">Only the latest {MAX_DELIVERIES} deliveries are shown.</p> : null}
    </>
  );
}

function DeliveryRow({ delivery: d, name, canRetry, onRetry }: { delivery: DeliveryWithAttempts; name: string; canRetry: boolean; onRetry: () => void }) {
  const attempts = d.attempts ?? [];
  return (
    <div class="delivery">
      <div class="item-head">
        <strong id={`dest-${d.id}`}>{name}</strong>
        <span class={`badge badge-${d.status}`}>{d.status}</span>
        <span class="muted small">
          {d.attemptCount} attempt{d.attemptCount === 1 ? '' : 's'} in this cycle
          {d.deliveredAt === null ? '' : `, delivered ${formatDateTime(d.deliveredAt, { seconds: true })}`}
          {d.status === 'pending' && d.nextAttemptAt !== null ? `, next attempt ${formatDateTime(d.nextAttemptAt, { seconds: true })}` : ''}
        </span>
        {canRetry && d.status === 'failed' ? (
          <button type="button" class="btn btn-small" onClick={onRetry} aria-describedby={`dest-${d.id}`}>
            Retry
          </button>
        ) : null}
      </div>
      {d.lastError === null ? null : <p class="small">Last error: {d.lastError}</p>}
      {d.detailError !== undefined ? <p class="muted small">Attempts not loaded: {d.detailError}</p> : null}
      {attempts.length === 0 ? null : (
        <div class="table-wrap" tabIndex={0}>
          <table class="data attempts">
            <caption class="visually-hidden">Attempts of the delivery to {name}</caption>
            <thead>
              <tr>
                <th scope="col" class="num">#</th>
                <th scope="col">Started</th>
                <th scope="col">Answer</th>
                <th scope="col" class="num">Latency</th>
                <th scope="col">Error or response</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((a) => (
                <tr key={a.id}>
                  <td class="num">{a.attemptNumber}</td>
                  <td class="nowrap">{formatDateTime(a.startedAt, { seconds: true })}</td>
                  <td class="nowrap">{a.statusCode === null ? 'none' : `HTTP ${a.statusCode}`}</td>
                  <td class="num">{formatMs(a.latencyMs)}</td>
                  <td class="wrap">
                    <span class="clip-2">{a.error ?? a.responseSnippet ?? '—'}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
