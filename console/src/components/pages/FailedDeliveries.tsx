import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatDateTime } from '../../format.js';
import { Link } from '../../router.js';
import { Empty, FormError, SkeletonRows } from './feedback.js';
import type { Delivery, Destination, Page } from './types.js';
import { useAction, useLoad } from './use-load.js';

/** Deliveries that gave up (retries exhausted), newest first, each with "Retry". */
export function FailedDeliveries(props: { admin: boolean; destinations: readonly Destination[]; reloadKey: number; onRetried(): void }): JSX.Element {
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState('');
  const failed = useLoad(() => apiGet<Page<Delivery>>('/api/deliveries', { status: 'failed', limit: 25, cursor: cursor || undefined }), [cursor, props.reloadKey]);
  const action = useAction();
  const [retried, setRetried] = useState<string | null>(null);
  const items = failed.data?.items;
  const nameOf = (id: string) => props.destinations.find((d) => d.id === id)?.name ?? id;

  const retry = async (d: Delivery) => {
    setRetried(null);
    const answer = await action.run(() => apiSend<Delivery>('POST', `/api/deliveries/${encodeURIComponent(d.id)}/retry`));
    if (answer !== undefined) {
      setRetried(`${d.eventType} to ${nameOf(d.destinationId)} is queued again (a new cycle of attempts).`);
      // The page reloads its destinations and this list (reloadKey).
      props.onRetried();
    }
  };

  const columns = props.admin ? 7 : 6;
  return (
    <section aria-labelledby="failed-title" class="section">
      <h2 id="failed-title">Failed deliveries</h2>
      <p class="hint">Events a destination did not accept after every attempt. Retry sends one again now; Replay (above) sends many.</p>
      <FormError error={failed.error ?? action.error} />
      {retried === null ? null : (
        <p class="alert alert-success" role="status">
          {retried}
        </p>
      )}
      {items !== undefined && items.length === 0 ? (
        <Empty>No failed deliveries.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Last try</th>
                <th scope="col">Destination</th>
                <th scope="col">Event</th>
                <th scope="col">Lead</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                {props.admin ? <th scope="col"><span class="visually-hidden">Actions</span></th> : null}
              </tr>
            </thead>
            <tbody>
              {items === undefined ? (
                failed.error === undefined ? <SkeletonRows columns={columns} rows={3} /> : null
              ) : (
                items.map((d) => (
                  <tr key={d.id}>
                    <td class="nowrap">{formatDateTime(d.updatedAt)}</td>
                    <td class="pg-break">{nameOf(d.destinationId)}</td>
                    <td>
                      <code>{d.eventType}</code>
                    </td>
                    <td>
                      <Link class="clip mono pg-id" href={`/leads/${encodeURIComponent(d.leadId)}`} title={d.leadId}>
                        {d.leadId}
                      </Link>
                    </td>
                    <td>{d.attemptCount}</td>
                    <td class="pg-reason">
                      {d.lastStatusCode === null ? '' : `HTTP ${d.lastStatusCode}`}
                      {d.lastStatusCode !== null && d.lastError !== null ? ': ' : ''}
                      {d.lastError ?? ''}
                    </td>
                    {props.admin ? (
                      <td class="pg-row-actions">
                        <button type="button" class="btn" disabled={action.busy} onClick={() => void retry(d)}>
                          Retry
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))
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
            Newer failures
          </button>
        ) : null}
        {failed.data?.nextCursor ? (
          <button
            type="button"
            class="btn"
            onClick={() => {
              setCursors([...cursors, cursor]);
              setCursor(failed.data?.nextCursor ?? '');
            }}
          >
            Older failures
          </button>
        ) : null}
      </div>
    </section>
  );
}
