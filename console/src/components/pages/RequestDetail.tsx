import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatCount, formatDateTime } from '../../format.js';
import { prettyJson, showJson } from '../../json-text.js';
import { providerLabel } from '../../providers.js';
import { Link } from '../../router.js';
import type { Refusal, RequestDetail as Detail, WebhookResult } from '../../types.js';
import { Empty, FormError, SuccessNote } from '../feedback.js';
import { useAction, useLoad, useTitle } from '../hooks.js';
import { ListTable } from '../ListTable.js';
import { SkeletonCard } from '../Skeleton.js';
import { sourceName, useSources } from '../use-sources.js';
import { Fact } from './cards.js';
import { countsText, resultText, statusText } from './outcome-text.js';

/** One request (`/requests/:id`): what came in exactly, and what each item came to; a refused one (`rej_…`) too. */
export function RequestDetail(props: { id: string; admin: boolean }): JSX.Element {
  useTitle('Request');
  const loaded = useLoad(() => apiGet<Detail | Refusal>(`/api/requests/${encodeURIComponent(props.id)}`), [props.id]);
  const sources = useSources();
  const r = loaded.data;
  return (
    <div class="page pg-page">
      <p class="pg-back">
        <Link href="/requests">← All requests</Link>
      </p>
      <h1>{r?.status === 'rejected' ? 'Refused webhook' : 'Request'}</h1>
      <p class="pg-lead">
        <code>{props.id}</code>
      </p>
      <FormError error={loaded.error} />
      {r === undefined ? (
        loaded.error === undefined ? <SkeletonCard /> : null
      ) : (
        <>
          <dl class="pg-facts">
            <Fact term="Received">{formatDateTime(r.receivedAt, { seconds: true })}</Fact>
            <Fact term="Source">
              <Link href={`/sources/${encodeURIComponent(r.sourceId)}`}>{sourceName(sources, r.sourceId)}</Link> ({providerLabel(r.provider)})
            </Fact>
            <Fact term="Status">
              <span class={`badge badge-${r.status}`}>{statusText(r.status)}</span> (answered HTTP {r.httpStatus})
            </Fact>
            <Fact term="Body">
              {formatCount(r.bodySize)} bytes{r.contentType === null ? '' : `, ${r.contentType}`}
            </Fact>
          </dl>
          {r.status === 'rejected' ? <RefusalBody r={r} /> : <StoredBody r={r} admin={props.admin} reload={loaded.reload} />}
          <Headers headers={r.headers} omitted={r.status === 'rejected' ? r.headersOmitted : 0} />
        </>
      )}
    </div>
  );
}

function RefusalBody({ r }: { r: Refusal }): JSX.Element {
  return (
    <>
      <section aria-labelledby="refusal-why">
        <h2 id="refusal-why">Why it was refused</h2>
        <p>
          <strong>{r.reason}</strong>: {r.detail}
        </p>
      </section>
      <section aria-labelledby="refusal-body">
        <h2 id="refusal-body">Body</h2>
        <p class="hint">Only the start of a refused webhook is kept{r.bodyTruncated ? ' (cut here)' : ''}.</p>
        <BodyText text={r.bodyExcerpt} base64={r.bodyExcerptBase64} />
      </section>
    </>
  );
}

function StoredBody({ r, admin, reload }: { r: Detail; admin: boolean; reload(): void }): JSX.Element {
  const action = useAction();
  const [result, setResult] = useState<WebhookResult | null>(null);
  const reprocess = async () => {
    setResult(null);
    const answer = await action.run(() => apiSend<WebhookResult>('POST', `/api/requests/${encodeURIComponent(r.id)}/reprocess`));
    if (answer !== undefined) {
      setResult(answer);
      reload();
    }
  };
  return (
    <>
      {r.reason === null ? null : (
        <p class={r.status === 'quarantined' ? 'alert pg-warning' : 'hint'}>
          <strong>Reason:</strong> {r.reason}
        </p>
      )}
      {admin ? (
        <div class="pg-actions">
          <button type="button" class="btn" disabled={action.busy} onClick={() => void reprocess()}>
            Reprocess
          </button>
          <span class="hint">Reads the stored body again with the current code; the request keeps its own outcome.</span>
        </div>
      ) : null}
      <FormError error={action.error} />
      <SuccessNote>{result === null ? null : `Reprocessed. ${resultText(result)}`}</SuccessNote>
      <section aria-labelledby="request-body">
        <h2 id="request-body">Body</h2>
        <BodyText text={r.body} base64={r.bodyBase64} />
      </section>
      {r.authPayload === undefined ? null : (
        <section aria-labelledby="request-claims">
          <h2 id="request-claims">Verified credential payload</h2>
          <p class="hint">The claims of the signed token in the Authorization header (signature verified); the provider's payload is read from here.</p>
          <pre class="code" tabIndex={0}>{showJson(r.authPayload)}</pre>
        </section>
      )}
      <section aria-labelledby="request-items">
        <h2 id="request-items">Items</h2>
        <p>{countsText(r.itemCounts)}</p>
        <ListTable
          items={r.items}
          headings={['#', 'Outcome', 'Lead', "Provider's lead id", 'Reason']}
          empty="No items were recorded for this request."
          row={(item) => (
            <tr key={item.index}>
              <td>{item.index}</td>
              <td>{item.outcome}</td>
              <td>{item.leadId === null ? '—' : <Link href={`/leads/${encodeURIComponent(item.leadId)}`}>{item.leadId}</Link>}</td>
              <td>{item.providerLeadId ?? '—'}</td>
              <td>{item.reason ?? ''}</td>
            </tr>
          )}
        />
        {r.quarantine !== undefined && r.quarantine.reasons.length > 0 ? (
          <>
            <h3>Why items were quarantined</h3>
            <ul>
              {r.quarantine.reasons.map((q, i) => (
                <li key={i}>
                  {q.reason} ({q.count} {q.count === 1 ? 'item' : 'items'}, first #{q.firstIndexes.join(', #')})
                </li>
              ))}
              {r.quarantine.otherReasons.count > 0 ? <li>{r.quarantine.otherReasons.count} more, for other reasons</li> : null}
            </ul>
          </>
        ) : null}
      </section>
      {r.reprocesses === undefined || r.reprocesses.length === 0 ? null : (
        <section aria-labelledby="request-reprocesses">
          <h2 id="request-reprocesses">Reprocesses</h2>
          <p class="hint">{r.reprocessCount} in all; the last ones shown, newest first.</p>
          <ListTable
            items={[...r.reprocesses].reverse()}
            headings={['When', 'Came to', 'Items', 'Reason']}
            empty={null}
            row={(rp, i) => (
              <tr key={i}>
                <td>{formatDateTime(rp.at, { seconds: true })}</td>
                <td>{statusText(rp.status)}</td>
                <td>{countsText(rp.itemCounts)}</td>
                <td>{rp.reason ?? ''}</td>
              </tr>
            )}
          />
        </section>
      )}
    </>
  );
}

/** The body exactly as received: JSON indented (tokens kept), other text as is, binary as base64. */
function BodyText({ text, base64 }: { text: string | null; base64: string | null }): JSX.Element {
  const [raw, setRaw] = useState(false);
  if (text === null) {
    return (
      <>
        <p class="hint">The body is not UTF-8 text; shown as base64.</p>
        <pre class="code" tabIndex={0}>{base64 ?? ''}</pre>
      </>
    );
  }
  if (text === '') return <Empty>The body was empty.</Empty>;
  const pretty = prettyJson(text);
  return (
    <>
      {pretty === null ? null : (
        <div class="pg-actions">
          <button type="button" class="btn" aria-pressed={raw} onClick={() => setRaw(!raw)}>
            Show as received
          </button>
          <span class="hint">{raw ? 'Exactly as received.' : 'JSON, indented; values exactly as received.'}</span>
        </div>
      )}
      <pre class="code" tabIndex={0}>{pretty === null || raw ? text : pretty}</pre>
    </>
  );
}

function Headers({ headers, omitted }: { headers: Record<string, string>; omitted: number }): JSX.Element {
  const entries = Object.entries(headers);
  return (
    <section aria-labelledby="request-headers">
      <h2 id="request-headers">Headers</h2>
      <p class="hint">Credentials are redacted.{omitted > 0 ? ` ${omitted} more headers were not kept.` : ''}</p>
      <ListTable
        items={entries}
        class="pg-table-compact"
        headings={['Header', 'Value']}
        empty="No headers were kept."
        row={([name, value]) => (
          <tr key={name}>
            <td>
              <code>{name}</code>
            </td>
            <td class="pg-break">{value}</td>
          </tr>
        )}
      />
    </section>
  );
}
