import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatDateTime } from '../../format.js';
import { Link } from '../../router.js';
import type { Delivery, Destination, Page } from '../../types.js';
import { FormError, SuccessNote } from '../feedback.js';
import { useAction, useLoad } from '../hooks.js';
import { ListTable } from '../ListTable.js';
import { Pager, useCursorPaging } from '../paging.js';

/** Deliveries that gave up (retries exhausted), newest first, each with "Retry". */
export function FailedDeliveries(props: { admin: boolean; destinations: readonly Destination[]; reloadKey: number; onRetried(): void }): JSX.Element {
  const paging = useCursorPaging();
  const failed = useLoad(() => apiGet<Page<Delivery>>('/api/deliveries', { status: 'failed', limit: 25, cursor: paging.cursor }), [paging.cursor, props.reloadKey]);
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

  return (
    <section aria-labelledby="failed-title" class="section">
      <h2 id="failed-title">Failed deliveries</h2>
      <p class="hint">Events a destination did not accept after every attempt. Retry sends one again now; Replay (above) sends many.</p>
      <FormError error={failed.error ?? action.error} />
      <SuccessNote>{retried}</SuccessNote>
      <ListTable
        items={items}
        failed={failed.error !== undefined}
        headings={['Last try', 'Destination', 'Event', 'Lead', 'Attempts', 'Last answer']}
        actions={props.admin}
        empty="No failed deliveries."
        row={(d) => (
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
        )}
      />
      <Pager paging={paging} nextCursor={failed.data?.nextCursor} previousLabel="Newer failures" nextLabel="Older failures" />
    </section>
  );
}
