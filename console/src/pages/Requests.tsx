import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../api.js';
import { FormError, SuccessNote } from '../components/feedback.js';
import { useAction, useLoad, useTitle } from '../components/hooks.js';
import { ListTable } from '../components/ListTable.js';
import { HeldRequests } from '../components/pages/HeldRequests.js';
import { countsText, resultText, statusText } from '../components/pages/outcome-text.js';
import { RequestDetail } from '../components/pages/RequestDetail.js';
import { Pager, useCursorPaging } from '../components/paging.js';
import { sourceName, useSources } from '../components/use-sources.js';
import { formatCount, formatDateTime } from '../format.js';
import { providerLabel } from '../providers.js';
import { Link, setQuery, useLocation } from '../router.js';
import type { Refusal, RequestPage, StoredRequest, WebhookResult } from '../types.js';
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
  // Other filters start again at the first page.
  const paging = useCursorPaging(`${status}|${sourceId}`);
  const list = useLoad(
    () => apiGet<RequestPage>('/api/requests', { status: status || undefined, sourceId: sourceId || undefined, cursor: paging.cursor, limit: PAGE_SIZE }),
    [status, sourceId, paging.cursor],
  );
  const action = useAction();
  const [result, setResult] = useState<{ id: string; text: string } | null>(null);

  const filter = (values: { status?: string; sourceId?: string }) => {
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
        <SuccessNote>
          Reprocessed <Link href={`/requests/${encodeURIComponent(result.id)}`}>{result.id}</Link>. {result.text}
        </SuccessNote>
      )}
      <ListTable
        items={items}
        failed={list.error !== undefined}
        class="pg-requests-table"
        busy={list.loading}
        headings={['Received', 'Source', 'Provider', 'Status', 'Items', 'Reason']}
        actions={props.admin}
        skeletonRows={8}
        empty={
          status === '' && sourceId === ''
            ? 'No webhooks received yet. Connect a provider on the Sources page, or send a test lead from there.'
            : `No ${status === '' ? '' : `${statusText(status).toLowerCase()} `}requests${sourceId === '' ? '' : ' for this source'}.`
        }
        row={(r) => <Row key={r.id} r={r} admin={props.admin} busy={action.busy} sourceLabel={sourceName(sources, r.sourceId)} onReprocess={reprocess} />}
      />
      <Pager paging={paging} nextCursor={list.data?.nextCursor} previousLabel="Previous page" nextLabel="Next page" />
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
      <td class="nowrap">{props.sourceLabel}</td>
      <td class="nowrap">{providerLabel(r.provider)}</td>
      <td>
        <span class={`badge badge-${r.status}`}>{statusText(r.status)}</span>
      </td>
      <td class="nowrap">{r.status === 'rejected' ? '—' : countsText(r.itemCounts)}</td>
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
