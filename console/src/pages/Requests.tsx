import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../api.js';
import { useTitle } from '../components/hooks.js';
import { Empty, FormError, SkeletonRows } from '../components/pages/feedback.js';
import { HeldRequests } from '../components/pages/HeldRequests.js';
import { countsText, resultText, statusText } from '../components/pages/outcome-text.js';
import { providerName } from '../components/pages/provider-guides.js';
import { RequestDetail } from '../components/pages/RequestDetail.js';
import { sourceName, useSources } from '../components/pages/source-names.js';
import type { Refusal, RequestPage, StoredRequest, WebhookResult } from '../components/pages/types.js';
import { useAction, useLoad } from '../components/pages/use-load.js';
import { formatCount, formatDateTime } from '../format.js';
import { Link, setQuery, useLocation } from '../router.js';
import '../components/pages/pages.css';

const STATUSES = [
  { value: '', label: 'All' },
  { value: 'accepted', label: 'Accepted' },
  { value: 'duplicate', label: 'Duplicate' },
  { value: 'quarantined', label: 'Quarantined' },
  { value: 'rejected', label: 'Refused' },
] as const;

const PAGE_SIZE = 50;

/** Requests: every webhook received, filtered by status and source; `/requests/:id` shows one. */
export function RequestsPage(p: { role: 'admin' | 'viewer'; params: Record<string, string> }): JSX.Element {
  const id = p.params['id'];
  if (id !== undefined) return <RequestDetail id={id} admin={p.role === 'admin'} />;
  return <RequestList admin={p.role === 'admin'} />;
}

function RequestList(props: { admin: boolean }): JSX.Element {
  useTitle('Requests');
  const { query } = useLocation();
  const status = STATUSES.some((s) => s.value === query.get('status')) ? (query.get('status') ?? '') : '';
  const sourceId = query.get('sourceId') ?? '';
  const sources = useSources();
  // Cursors of the pages before this one, to go back; '' is the first page.
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState('');
  const list = useLoad(
    () => apiGet<RequestPage>('/api/requests', { status: status || undefined, sourceId: sourceId || undefined, cursor: cursor || undefined, limit: PAGE_SIZE }),
    [status, sourceId, cursor],
  );
  const action = useAction();
  const [result, setResult] = useState<{ id: string; text: string } | null>(null);

  const filter = (values: { status?: string; sourceId?: string }) => {
    setCursor('');
    setCursors([]);
    setResult(null);
    setQuery({ status: values.status ?? status, sourceId: values.sourceId ?? sourceId });
  };
  const reprocess = async (r: StoredRequest) => {
    setResult(null);
    const answer = await action.run(() => apiSend<WebhookResult>('POST', `/api/requests/${encodeURIComponent(r.id)}/reprocess`));
    if (answer !== undefined) {
      setResult({ id: r.id, text: resultText(answer) });
      list.reload();
    }
  };

  const items = list.data?.items;
  const refusals = list.data?.refusals;
  const columns = props.admin ? 7 : 6;
  return (
    <div class="page pg-page">
      <h1>Requests</h1>
      <p class="pg-lead">Every webhook received, stored exactly as it came, newest first.</p>
      <div class="toolbar">
        <div class="field">
          <label for="requests-status">Status</label>
          <select id="requests-status" value={status} onChange={(e) => filter({ status: e.currentTarget.value })}>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="requests-source">Source</label>
          <select id="requests-source" value={sourceId} onChange={(e) => filter({ sourceId: e.currentTarget.value })}>
            <option value="">All sources</option>
            {sourceId !== '' && !(sources ?? []).some((s) => s.id === sourceId) ? <option value={sourceId}>{sourceName(sources, sourceId)}</option> : null}
            {(sources ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      {status !== 'rejected' && refusals !== undefined && refusals.total > 0 ? (
        <p class="alert pg-warning">
          {formatCount(refusals.total)} {refusals.total === 1 ? 'webhook was' : 'webhooks were'} refused (bad credentials)
          {refusals.since === null ? '' : ` since ${formatDateTime(refusals.since)}`}.{' '}
          <button type="button" class="pg-link-button" onClick={() => filter({ status: 'rejected' })}>
            Show refused webhooks
          </button>
        </p>
      ) : null}
      <FormError error={list.error ?? action.error} />
      {result === null ? null : (
        <p class="alert alert-success" role="status">
          Reprocessed <Link href={`/requests/${encodeURIComponent(result.id)}`}>{result.id}</Link>. {result.text}
        </p>
      )}
      {items !== undefined && items.length === 0 ? (
        <Empty>
          {status === '' && sourceId === ''
            ? 'No webhooks received yet. Connect a provider on the Sources page, or send a test lead from there.'
            : `No ${status === '' ? '' : `${statusText(status).toLowerCase()} `}requests${sourceId === '' ? '' : ' for this source'}.`}
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="data" aria-busy={list.loading}>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">Source</th>
                <th scope="col">Provider</th>
                <th scope="col">Status</th>
                <th scope="col">Items</th>
                <th scope="col">Reason</th>
                {props.admin ? <th scope="col"><span class="visually-hidden">Actions</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {items === undefined ? (
                list.error === undefined ? <SkeletonRows columns={columns} rows={8} /> : null
              ) : (
                items.map((r) => <Row key={r.id} r={r} admin={props.admin} busy={action.busy} sourceLabel={sourceName(sources, r.sourceId)} onReprocess={reprocess} />)
              )}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        {cursors.length > 0 ? (
          <button
            type="button"
            class="btn"
            onClick={() => {
              setCursor(cursors[cursors.length - 1] ?? '');
              setCursors(cursors.slice(0, -1));
            }}
          >
            Previous page
          </button>
        ) : null}
        {list.data?.nextCursor ? (
          <button
            type="button"
            class="btn"
            onClick={() => {
              setCursors([...cursors, cursor]);
              setCursor(list.data?.nextCursor ?? '');
            }}
          >
            Next page
          </button>
        ) : null}
      </div>
      {/* Below the list: shown once it is, so it does not jump down while the list loads. */}
      <div hidden={items === undefined && list.error === undefined}>
        <HeldRequests admin={props.admin} sources={sources} onChanged={list.reload} />
      </div>
    </div>
  );
}

function Row(props: { r: StoredRequest | Refusal; admin: boolean; busy: boolean; sourceLabel: string; onReprocess(r: StoredRequest): void }): JSX.Element {
  const { r } = props;
  return (
    <tr>
      <td class="nowrap">
        <Link href={`/requests/${encodeURIComponent(r.id)}`}>{formatDateTime(r.receivedAt, { seconds: true })}</Link>
      </td>
      <td>{props.sourceLabel}</td>
      <td>{providerName(r.provider)}</td>
      <td>
        <span class={`badge badge-${r.status}`}>{statusText(r.status)}</span>
      </td>
      <td>{r.status === 'rejected' ? '—' : countsText(r.itemCounts)}</td>
      <td class="pg-reason">{r.status === 'rejected' ? `${r.reason}: ${r.detail}` : r.status === 'quarantined' ? (r.reason ?? '') : ''}</td>
      {props.admin ? (
        <td class="pg-row-actions">
          {r.status === 'quarantined' ? (
            <button type="button" class="btn" disabled={props.busy} onClick={() => props.onReprocess(r)}>
              Reprocess
            </button>
          ) : null}
        </td>
      ) : null}
    </tr>
  );
}
