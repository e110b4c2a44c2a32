import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { apiGet, liveStreamEnded, withQuery } from '../api.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useLoad, useTitle } from '../components/hooks.js';
import { useCursorPaging } from '../components/paging.js';
import { LoadingNote, SkeletonRows } from '../components/Skeleton.js';
import { useSources } from '../components/use-sources.js';
import { formatDateTime, formatPhone, formatRelativeShort, formatStage } from '../format.js';
import { PROVIDERS, providerLabel } from '../providers.js';
import { Link, setQuery, useLocation } from '../router.js';
import type { PageProps } from '../session.js';
import { STAGES, type Lead, type Page } from '../types.js';

const PAGE_SIZE = 50;
const COLUMNS = 8;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The filters, as the page's URL query holds them. */
interface Filters {
  q: string;
  provider: string;
  source: string;
  stage: string;
  from: string;
  to: string;
}

function readFilters(query: URLSearchParams): Filters {
  const day = (v: string | null) => (v !== null && DAY.test(v) ? v : '');
  return {
    q: query.get('q') ?? '',
    provider: query.get('provider') ?? '',
    source: query.get('source') ?? '',
    stage: query.get('stage') ?? '',
    from: day(query.get('from')),
    to: day(query.get('to')),
  };
}

/**
 * Typed text that is a phone number (digits with the usual separators, at least 7 digits) is searched
 * as a phone, in any format (`phone`); anything else as text in names, e-mails, phones and ids (`q`).
 */
export function searchParams(text: string): { q?: string; phone?: string } {
  const t = text.trim();
  if (t === '') return {};
  const digits = t.replace(/\D/g, '').length;
  if (/^\+?[\d\s().\-/]+$/.test(t) && digits >= 7) return { phone: t };
  return { q: t };
}

/** The API query of the filters (GET /api/leads and GET /api/leads.csv take the same). */
function apiQuery(f: Filters): Record<string, string | undefined> {
  return {
    ...searchParams(f.q),
    provider: f.provider || undefined,
    sourceId: f.source || undefined,
    stage: f.stage || undefined,
    firstSeenSince: f.from || undefined,
    firstSeenUntil: f.to || undefined,
  };
}

/** Whether a lead the live stream announced belongs in this list as filtered. */
function matches(lead: Lead, f: Filters): boolean {
  if (lead.isTest) return false;
  if (f.q !== '' || f.from !== '' || f.to !== '') return false; // the server decides those; reload to see
  if (f.provider !== '' && lead.provider !== f.provider) return false;
  if (f.source !== '' && lead.sourceId !== f.source) return false;
  if (f.stage !== '' && lead.stage !== f.stage) return false;
  return true;
}

export function leadName(lead: Pick<Lead, 'person'>): string {
  const p = lead.person;
  const full = p.fullName ?? [p.firstName, p.lastName].filter((x) => x !== null && x !== '').join(' ');
  return full.trim() === '' ? 'Unnamed lead' : full;
}

export function LeadsPage(_props: PageProps) {
  useTitle('Leads');
  const { query } = useLocation();
  const filters = readFilters(query);
  const key = JSON.stringify(filters);
  const [searchText, setSearchText] = useState(filters.q);
  // Paging and live rows belong to one set of filters: new filters start at the first page, without
  // the live rows of the old ones (kept by key, so no request ever mixes old cursors and new filters).
  const paging = useCursorPaging(key);
  const cursor = paging.cursor;
  const [liveState, setLiveState] = useState<{ key: string; rows: Lead[]; newCount: number }>({ key, rows: [], newCount: 0 });
  const live = liveState.key === key ? liveState.rows : [];
  const newCount = liveState.key === key ? liveState.newCount : 0;
  const [fresh, setFresh] = useState<Set<string>>(new Set());

  // The box follows the URL (back button, "Clear filters"), except for the search this page just applied
  // (the user may have typed on since). Typing searches after a short pause, Enter at once.
  const applied = useRef(filters.q);
  useEffect(() => {
    if (filters.q !== applied.current) setSearchText(filters.q);
    applied.current = filters.q;
  }, [filters.q]);
  useEffect(() => {
    if (searchText.trim() === filters.q) return;
    const timer = setTimeout(() => apply({ q: searchText }), 350);
    return () => clearTimeout(timer);
  }, [searchText]);

  const sources = useSources();
  const sourceNames = useMemo(() => new Map((sources ?? []).map((s) => [s.id, s.name])), [sources]);
  const leads = useLoad(() => apiGet<Page<Lead>>('/api/leads', { ...apiQuery(filters), limit: PAGE_SIZE, cursor }), [key, cursor]);

  // Live: new and changed leads arrive over server-sent events while the page is open.
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const firstPage = cursor === undefined;
  const firstPageRef = useRef(firstPage);
  firstPageRef.current = firstPage;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const stream = new EventSource('/api/live');
    stream.addEventListener('lead', (event) => {
      let message: { change?: string; lead?: Lead };
      try {
        message = JSON.parse((event as MessageEvent<string>).data) as { change?: string; lead?: Lead };
      } catch {
        return;
      }
      const lead = message.lead;
      if (lead === undefined || typeof lead.id !== 'string' || !matches(lead, filtersRef.current)) return;
      const created = message.change === 'created';
      const onFirstPage = firstPageRef.current;
      const current = JSON.stringify(filtersRef.current);
      setLiveState((s) => {
        const base = s.key === current ? s : { key: current, rows: [], newCount: 0 };
        return {
          key: current,
          rows: onFirstPage ? [lead, ...base.rows.filter((r) => r.id !== lead.id)].slice(0, 500) : base.rows,
          newCount: base.newCount + (created ? 1 : 0),
        };
      });
      if (onFirstPage) setFresh((ids) => new Set(ids).add(lead.id));
    });
    // The credentials stopped holding (token revoked, session signed out or expired): the server ended
    // the stream for good. Closed here, or EventSource would reconnect (and be refused) in a loop.
    stream.addEventListener('end', (event) => {
      stream.close();
      let reason: unknown;
      try {
        reason = (JSON.parse((event as MessageEvent<string>).data) as { reason?: unknown } | null)?.reason;
      } catch {
        reason = undefined;
      }
      liveStreamEnded(reason);
    });
    return () => stream.close();
  }, []);

  const rows = useMemo(() => {
    const loaded = leads.data?.items ?? [];
    if (!firstPage || live.length === 0) return loaded;
    const liveIds = new Set(live.map((l) => l.id));
    return [...live, ...loaded.filter((l) => !liveIds.has(l.id))];
  }, [leads.data, live, firstPage]);

  const apiFilters = apiQuery(filters);
  const csvHref = withQuery('/api/leads.csv', apiFilters);
  const filtered = Object.values(filters).some((v) => v !== '');
  const showSkeleton = leads.data === undefined && leads.loading;

  function apply(next: Partial<Filters>): void {
    const merged = { ...readFilters(new URLSearchParams(location.search)), ...next };
    applied.current = merged.q.trim();
    setQuery({ q: merged.q.trim(), provider: merged.provider, source: merged.source, stage: merged.stage, from: merged.from, to: merged.to });
  }

  return (
    <div class="page">
      <div class="page-header">
        <h1>Leads</h1>
        <div class="page-actions">
          <a class="btn" href={csvHref} download>
            Export CSV
          </a>
        </div>
      </div>

      <form
        class="filters"
        role="search"
        aria-label="Filter leads"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ q: searchText });
        }}
      >
        <div class="search-row">
        <div class="field field-grow">
          <label for="lead-search">Search leads</label>
          <input
            id="lead-search"
            type="search"
            placeholder="Phone, e-mail or name"
            maxLength={500}
            value={searchText}
            onInput={(e) => setSearchText(e.currentTarget.value)}
            autoComplete="off"
          />
        </div>
        <button type="submit" class="btn">
          Search
        </button>
        {filtered ? (
          <Link class="btn btn-quiet" href="/leads">
            Clear filters
          </Link>
        ) : null}
        </div>
        <div class="filter-grid">
        <div class="field field-select">
          <label for="lead-provider">Provider</label>
          <select id="lead-provider" value={filters.provider} onChange={(e) => apply({ provider: e.currentTarget.value })}>
            <option value="">All providers</option>
            {PROVIDERS.map((p) => (
              <option value={p.id} key={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-select">
          <label for="lead-source">Source</label>
          <select id="lead-source" value={filters.source} onChange={(e) => apply({ source: e.currentTarget.value })}>
            <option value="">All sources</option>
            {(sources ?? []).map((s) => (
              <option value={s.id} key={s.id}>
                {s.name}
              </option>
            ))}
            {filters.source !== '' && !sourceNames.has(filters.source) ? <option value={filters.source}>{filters.source}</option> : null}
          </select>
        </div>
        <div class="field field-select">
          <label for="lead-stage">Stage</label>
          <select id="lead-stage" value={filters.stage} onChange={(e) => apply({ stage: e.currentTarget.value })}>
            <option value="">All stages</option>
            {STAGES.map((s) => (
              <option value={s} key={s}>
                {formatStage(s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-date">
          <label for="lead-from">From</label>
          <input id="lead-from" type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => apply({ from: e.currentTarget.value })} />
        </div>
        <div class="field field-date">
          <label for="lead-to">To</label>
          <input id="lead-to" type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => apply({ to: e.currentTarget.value })} />
        </div>
        </div>
      </form>
      <p class="muted small filter-note">A phone is found in any format. From and To are the days a lead first arrived. Test leads are not listed.</p>

      <p role="status" class="live-status">
        {newCount === 0 ? '' : `${newCount} new lead${newCount === 1 ? '' : 's'}`}
        {newCount > 0 && !firstPage ? (
          <>
            {' '}
            <button type="button" class="btn btn-small" onClick={paging.first}>
              Show newest
            </button>
          </>
        ) : null}
      </p>

      <ErrorNote error={leads.error} retry={leads.reload} />
      <LoadingNote loading={leads.loading} what="leads" />
      <div class="table-wrap leads-wrap">
        <table class="data leads-table" aria-busy={leads.loading ? 'true' : 'false'}>
          <colgroup>
            <col class="col-name" />
            <col class="col-phone" />
            <col class="col-email" />
            <col class="col-provider" />
            <col class="col-source" />
            <col class="col-stage" />
            <col class="col-assignee" />
            <col class="col-last" />
          </colgroup>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Phone</th>
              <th scope="col">E-mail</th>
              <th scope="col">Provider</th>
              <th scope="col">Source</th>
              <th scope="col">Stage</th>
              <th scope="col">Assignee</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody class={leads.loading && !showSkeleton ? 'stale' : undefined}>
            {showSkeleton ? (
              <SkeletonRows rows={10} columns={COLUMNS} />
            ) : rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS} class="empty">
                  {leads.error !== undefined ? 'The leads could not be loaded.' : filtered ? 'No lead matches these filters.' : 'No leads yet. They appear here as soon as a source receives its first webhook.'}
                </td>
              </tr>
            ) : (
              rows.map((lead) => <LeadRow lead={lead} sourceName={sourceNames.get(lead.sourceId)} fresh={fresh.has(lead.id)} key={lead.id} />)
            )}
          </tbody>
        </table>
      </div>
      <div class="pager">
        <span class="muted small">
          {rows.length === 0 ? '' : `Page ${paging.page}, ${rows.length} lead${rows.length === 1 ? '' : 's'}`}
        </span>
        <span class="page-actions">
          {paging.page > 1 ? (
            <button type="button" class="btn" onClick={paging.previous}>
              Previous page
            </button>
          ) : null}
          <button
            type="button"
            class="btn"
            disabled={leads.loading || leads.data?.nextCursor === null || leads.data === undefined}
            onClick={() => {
              const next = leads.data?.nextCursor;
              if (typeof next === 'string') {
                setLiveState({ key, rows: [], newCount });
                paging.next(next);
              }
            }}
          >
            Next page
          </button>
        </span>
      </div>
    </div>
  );
}

/**
 * One lead. Every cell holds one line, cut with an ellipsis when too long (the full value in its title),
 * so the table fits 1280 pixels and rows keep their height; at phone width the row becomes a card.
 */
function LeadRow({ lead, sourceName, fresh }: { lead: Lead; sourceName: string | undefined; fresh: boolean }) {
  const p = lead.person;
  const name = leadName(lead);
  const phone = p.phone !== null ? formatPhone(p.phone) : (p.phoneRaw ?? '—');
  const email = p.email ?? p.emailRaw ?? '—';
  const assignee = lead.assignee?.name ?? lead.assignee?.email ?? '—';
  const source = sourceName ?? lead.sourceId;
  const stageTitle = lead.providerStatus === null ? formatStage(lead.stage) : `${formatStage(lead.stage)} (provider status: ${lead.providerStatus})`;
  return (
    <tr class={fresh ? 'row-new' : undefined}>
      <td class="c-name">
        <Link class="clip" href={`/leads/${encodeURIComponent(lead.id)}`} title={name}>
          {name}
        </Link>
      </td>
      <td class="c-phone">
        <span class="clip" title={phone}>
          {phone}
        </span>
      </td>
      <td class="c-email">
        <span class="clip" title={email}>
          {email}
        </span>
      </td>
      <td class="c-provider">
        <span class="clip">{providerLabel(lead.provider)}</span>
      </td>
      <td class="c-source">
        <span class="clip" title={source}>
          {source}
        </span>
      </td>
      <td class="c-stage">
        <span class={`badge badge-${lead.stage}`} title={stageTitle}>
          {formatStage(lead.stage)}
        </span>
      </td>
      <td class={assignee === '—' ? 'c-assignee c-none' : 'c-assignee'}>
        <span class="clip" title={assignee === '—' ? 'No assignee' : assignee}>
          <span class="phone-label">Assignee: </span>
          {assignee}
        </span>
      </td>
      <td class="c-last">
        <time class="clip" dateTime={lead.lastEventAt} title={`Last activity ${formatDateTime(lead.lastEventAt, { seconds: true })}`}>
          {formatRelativeShort(lead.lastEventAt)}
        </time>
      </td>
    </tr>
  );
}
