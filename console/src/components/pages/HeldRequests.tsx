import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatDateTime } from '../../format.js';
import { Link } from '../../router.js';
import type { HeldRequest, Page, Source, WebhookResult } from '../../types.js';
import { ConfirmDialog } from '../ConfirmDialog.js';
import { FormError, SuccessNote } from '../feedback.js';
import { useAction, useLoad } from '../hooks.js';
import { ListTable } from '../ListTable.js';
import { sourceName } from '../use-sources.js';
import { resultText } from './outcome-text.js';

/**
 * Webhooks held because their lead's personal data was erased: nothing is applied until an admin
 * applies one (the lead takes webhooks again) or discards it (its items are redacted).
 */
export function HeldRequests(props: { admin: boolean; sources: readonly Source[] | undefined; onChanged(): void }): JSX.Element {
  const held = useLoad(() => apiGet<Page<HeldRequest>>('/api/requests/held', { limit: 50 }), []);
  const action = useAction();
  const [message, setMessage] = useState<string | null>(null);
  const [discarding, setDiscarding] = useState<HeldRequest | null>(null);
  const items = held.data?.items;

  const apply = async (h: HeldRequest) => {
    setMessage(null);
    const result = await action.run(() => apiSend<WebhookResult>('POST', `/api/requests/${encodeURIComponent(h.requestId)}/apply`));
    if (result !== undefined) {
      setMessage(`Applied ${h.requestId}. ${resultText(result)}`);
      held.reload();
      props.onChanged();
    }
  };

  return (
    <section aria-labelledby="held-title" class="section">
      <h2 id="held-title">Held webhooks</h2>
      <p class="hint">Webhooks for leads whose personal data was erased are kept, answered, and not applied until an admin decides.</p>
      <FormError error={held.error ?? action.error} />
      <SuccessNote>{message}</SuccessNote>
      <ListTable
        items={items}
        failed={held.error !== undefined}
        headings={['Received', 'Source', 'Lead', 'Held since']}
        actions={props.admin}
        skeletonRows={1}
        empty="No webhooks are held."
        row={(h) => (
          <tr key={`${h.requestId}-${h.leadId}`}>
            <td class="nowrap">
              <Link href={`/requests/${encodeURIComponent(h.requestId)}`}>{formatDateTime(h.receivedAt, { seconds: true })}</Link>
            </td>
            <td>{sourceName(props.sources, h.sourceId)}</td>
            <td>
              <Link href={`/leads/${encodeURIComponent(h.leadId)}`}>{h.leadId}</Link>
            </td>
            <td>{formatDateTime(h.heldAt)}</td>
            {props.admin ? (
              <td class="pg-row-actions">
                <button type="button" class="btn" disabled={action.busy} onClick={() => void apply(h)}>
                  Apply
                </button>
                <button type="button" class="btn btn-danger" disabled={action.busy} onClick={() => setDiscarding(h)}>
                  Discard
                </button>
              </td>
            ) : null}
          </tr>
        )}
      />
      {discarding === null ? null : (
        <ConfirmDialog
          title="Discard this held webhook?"
          confirmLabel="Discard webhook"
          confirm={() => apiSend('POST', `/api/requests/${encodeURIComponent(discarding.requestId)}/discard`)}
          onDone={() => {
            setDiscarding(null);
            setMessage(`Discarded ${discarding.requestId}: its held items were redacted and will never be applied.`);
            held.reload();
            props.onChanged();
          }}
          onCancel={() => setDiscarding(null)}
        >
          <p>Its items for the erased lead are redacted and never applied. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
