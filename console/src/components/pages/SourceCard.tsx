import type { JSX } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatCount, formatDateTime, formatRelative } from '../../format.js';
import { providerLabel } from '../../providers.js';
import { Link } from '../../router.js';
import type { Source } from '../../types.js';
import { CopyField, CopyFieldLoading } from '../CopyField.js';
import { FormError, SuccessNote } from '../feedback.js';
import { useAction } from '../hooks.js';
import { DeleteButton, Fact, ItemCard } from './cards.js';
import { guideOf } from './provider-guides.js';

/** Values the API shows once (just created or rotated): kept by the page until it is left. */
export interface Revealed {
  webhookUrl?: WebhookUrl;
  secret?: string;
  /** What happened, said above the values. */
  note?: string;
}

export interface WebhookUrl {
  url: string;
  /** LEADHOOK_PUBLIC_URL is not set: the URL was made from the console's own address. */
  fromOrigin: boolean;
}

/** A source's webhook URL as the provider must call it: the public one, else this console's own origin. */
export function webhookUrlOf(source: Source): WebhookUrl | null {
  if (typeof source.webhookUrl === 'string') return { url: source.webhookUrl, fromOrigin: false };
  if (typeof source.webhookPath === 'string') return { url: `${location.origin}${source.webhookPath}`, fromOrigin: true };
  return null;
}

export function SourceCard(props: {
  /** As GET /api/sources lists it: with its activity (last received, refused and quarantined counts). */
  source: Source;
  admin: boolean;
  /** Opened at /sources/:id: setup shown, scrolled into view. */
  focused: boolean;
  revealed: Revealed | undefined;
  onReveal(values: Revealed): void;
  onChanged(): void;
  onDeleted(): void;
}): JSX.Element {
  const { source, admin } = props;
  const id = useId();
  const guide = guideOf(source.provider);
  const [setupOpen, setSetupOpen] = useState(props.revealed !== undefined || props.focused);
  const [testLead, setTestLead] = useState<{ requestId: string; leadId: string } | null>(null);
  const action = useAction();

  useEffect(() => {
    if (props.revealed !== undefined) setSetupOpen(true);
  }, [props.revealed]);

  const sendTestLead = async () => {
    setTestLead(null);
    const sent = await action.run(() => apiSend<{ requestId: string; leadId: string }>('POST', `/api/sources/${encodeURIComponent(source.id)}/test-lead`));
    if (sent !== undefined) {
      setTestLead(sent);
      props.onChanged();
    }
  };
  const rotateSecret = async () => {
    setTestLead(null);
    const changed = await action.run(() => apiSend<Source>('PATCH', `/api/sources/${encodeURIComponent(source.id)}`, { rotateSecret: true }));
    if (changed?.secret !== undefined) {
      const until = changed.previousSecretExpiresAt;
      const url = webhookUrlOf(changed);
      props.onReveal({
        ...props.revealed,
        ...(url === null ? {} : { webhookUrl: url }),
        secret: changed.secret,
        note:
          until === null
            ? 'New secret made. The old one no longer works: give the provider the new secret now.'
            : `New secret made. The old one keeps working until ${formatDateTime(until)}: give the provider the new secret before then.`,
      });
    }
  };
  const rotateUrl = async () => {
    setTestLead(null);
    const changed = await action.run(() => apiSend<Source>('POST', `/api/sources/${encodeURIComponent(source.id)}/rotate-url`, {}));
    const url = changed === undefined ? null : webhookUrlOf(changed);
    if (changed !== undefined && url !== null) {
      const until = changed.previousWebhookUrlExpiresAt;
      props.onReveal({
        ...props.revealed,
        webhookUrl: url,
        note:
          until === null
            ? 'New webhook URL made. The old one no longer works: give the provider the new URL now.'
            : `New webhook URL made. The old one keeps working until ${formatDateTime(until)}: give the provider the new URL before then.`,
      });
    }
  };

  return (
    <ItemCard name={source.name} badge={<span class="badge">{providerLabel(source.provider)}</span>} focused={props.focused}>
      <dl class="pg-facts">
        <Fact term="Last received">
          {source.lastReceivedAt === undefined ? '—' : source.lastReceivedAt === null ? 'Never' : (
            <time dateTime={source.lastReceivedAt} title={formatDateTime(source.lastReceivedAt)}>
              {formatRelative(source.lastReceivedAt)}
            </time>
          )}
        </Fact>
        <Fact term="Refused">
          <RequestsCount count={source.refusedCount} status="rejected" sourceId={source.id} title="Webhooks refused for bad credentials" />
        </Fact>
        <Fact term="Errors">
          <RequestsCount count={source.quarantinedCount} status="quarantined" sourceId={source.id} title="Webhooks quarantined, waiting for a look and a reprocess" />
        </Fact>
        <Fact term="Created">{formatDateTime(source.createdAt)}</Fact>
      </dl>
      {admin ? (
        <div class="pg-actions" role="group" aria-label={`Actions for ${source.name}`}>
          <button type="button" class="btn" aria-expanded={setupOpen} aria-controls={`${id}-setup`} onClick={() => setSetupOpen(!setupOpen)}>
            {setupOpen ? 'Hide setup' : 'Show setup'}
          </button>
          <button type="button" class="btn" disabled={action.busy} onClick={() => void sendTestLead()}>
            Send test lead
          </button>
          {guide?.usesSecret === false ? null : (
            <button type="button" class="btn" disabled={action.busy} onClick={() => void rotateSecret()}>
              Rotate secret
            </button>
          )}
          <button type="button" class="btn" disabled={action.busy} onClick={() => void rotateUrl()}>
            Rotate URL
          </button>
          <DeleteButton name={source.name} confirmLabel="Delete source" path={`/api/sources/${encodeURIComponent(source.id)}`} onDeleted={props.onDeleted}>
            <p>Its webhook URL stops working at once: the provider's webhooks will be refused. The leads it brought in are kept.</p>
          </DeleteButton>
        </div>
      ) : null}
      <FormError error={action.error} />
      {testLead === null ? null : (
        <SuccessNote>
          Test lead sent (kept out of lists, stats and destinations). <Link href={`/leads/${encodeURIComponent(testLead.leadId)}`}>Open the test lead</Link>
          {' · '}
          <Link href={`/requests/${encodeURIComponent(testLead.requestId)}`}>See its request</Link>
        </SuccessNote>
      )}
      {admin && setupOpen ? <SourceSetup id={`${id}-setup`} source={source} revealed={props.revealed} /> : null}
    </ItemCard>
  );
}

/** A count of the source's requests of one status, linking to them; '—' when not known. */
function RequestsCount(props: { count: number | undefined; status: string; sourceId: string; title: string }): JSX.Element | string {
  if (props.count === undefined) return '—';
  if (props.count === 0) return '0';
  return (
    <Link href={`/requests?status=${props.status}&sourceId=${encodeURIComponent(props.sourceId)}`} title={props.title}>
      {formatCount(props.count)}
    </Link>
  );
}

/** The guide for a source that exists: its URL (and its secret, when just shown) and what to paste where. */
function SourceSetup(props: { id: string; source: Source; revealed: Revealed | undefined }): JSX.Element {
  const { source, revealed } = props;
  const guide = guideOf(source.provider);
  const [own, setOwn] = useState<Source | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    if (revealed?.webhookUrl !== undefined) return;
    let live = true;
    apiGet<Source>(`/api/sources/${encodeURIComponent(source.id)}`).then(
      (s) => live && setOwn(s),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [source.id, revealed?.webhookUrl]);
  const url = revealed?.webhookUrl ?? (own === null ? null : webhookUrlOf(own));
  return (
    <section class="pg-setup" id={props.id} aria-label={`Setup for ${source.name}`}>
      <SuccessNote>{revealed?.note}</SuccessNote>
      <FormError error={error} />
      {url === null ? (
        error === undefined ? <CopyFieldLoading label="Webhook URL" copyLabel="Copy URL" what="the webhook URL" /> : null
      ) : (
        <CopyField
          label="Webhook URL"
          value={url.url}
          copyLabel="Copy URL"
          hint={
            url.fromOrigin
              ? 'LEADHOOK_PUBLIC_URL is not set, so this URL uses the address you opened the console at: check the provider can reach it.'
              : 'Anyone with this URL can post to this source: share it only with the provider.'
          }
        />
      )}
      {guide?.usesSecret === false ? null : revealed?.secret !== undefined ? (
        <CopyField label="Secret" value={revealed.secret} copyLabel="Copy secret" hint={`${guide?.secretHint ?? ''} It is shown only now: copy it before you leave this page.`} />
      ) : (
        <p class="hint">The secret was shown once, when it was made. If you no longer have it, use Rotate secret to make a new one.</p>
      )}
      {guide === undefined ? (
        <ol class="pg-steps">{source.setup.map((step, i) => <li key={i}>{step}</li>)}</ol>
      ) : (
        <>
          <h3>Set up {providerLabel(source.provider)}</h3>
          <ol class="pg-steps">{guide.steps()}</ol>
        </>
      )}
    </section>
  );
}
