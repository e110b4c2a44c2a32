import type { JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatCount, formatDateTime, formatRelative } from '../../format.js';
import { Link } from '../../router.js';
import { ConfirmDialog, CopyField } from './dialogs.js';
import { errorText, FormError } from './feedback.js';
import { guideOf, providerName } from './provider-guides.js';
import type { Source } from './types.js';
import { useAction } from './use-load.js';

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
  const card = useRef<HTMLElement>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [testLead, setTestLead] = useState<{ requestId: string; leadId: string } | null>(null);
  const action = useAction();
  const remove = useAction();

  useEffect(() => {
    if (props.revealed !== undefined) setSetupOpen(true);
  }, [props.revealed]);
  useEffect(() => {
    if (!props.focused) return;
    card.current?.scrollIntoView({ block: 'start' });
    card.current?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }, [props.focused]);

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
    <article ref={card} class={props.focused ? 'card pg-card pg-card-focused' : 'card pg-card'} aria-labelledby={`${id}-name`}>
      <header class="pg-card-head">
        <h2 id={`${id}-name`} class="pg-card-title" tabIndex={-1}>
          {source.name}
        </h2>
        <span class="badge">{providerName(source.provider)}</span>
      </header>
      <dl class="pg-facts">
        <div>
          <dt>Last received</dt>
          <dd>
            {source.lastReceivedAt === undefined ? '—' : source.lastReceivedAt === null ? 'Never' : (
              <time dateTime={source.lastReceivedAt} title={formatDateTime(source.lastReceivedAt)}>
                {formatRelative(source.lastReceivedAt)}
              </time>
            )}
          </dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd>
            {source.refusedCount === undefined ? '—' : source.refusedCount === 0 ? '0' : (
              <Link href={`/requests?status=rejected&sourceId=${encodeURIComponent(source.id)}`} title="Webhooks refused for bad credentials">
                {formatCount(source.refusedCount)}
              </Link>
            )}
          </dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>
            {source.quarantinedCount === undefined ? '—' : source.quarantinedCount === 0 ? '0' : (
              <Link href={`/requests?status=quarantined&sourceId=${encodeURIComponent(source.id)}`} title="Webhooks quarantined, waiting for a look and a reprocess">
                {formatCount(source.quarantinedCount)}
              </Link>
            )}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(source.createdAt)}</dd>
        </div>
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
          <button type="button" class="btn btn-danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        </div>
      ) : null}
      <FormError error={action.error} />
      {testLead === null ? null : (
        <p class="alert alert-success" role="status">
          Test lead sent (kept out of lists, stats and destinations). <Link href={`/leads/${encodeURIComponent(testLead.leadId)}`}>Open the test lead</Link>
          {' · '}
          <Link href={`/requests/${encodeURIComponent(testLead.requestId)}`}>See its request</Link>
        </p>
      )}
      {admin && setupOpen ? <SourceSetup id={`${id}-setup`} source={source} revealed={props.revealed} /> : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${source.name}?`}
          confirmLabel="Delete source"
          busy={remove.busy}
          error={remove.error}
          onCancel={() => {
            remove.clear();
            setConfirmDelete(false);
          }}
          onConfirm={() => {
            void remove.run(async () => {
              await apiSend<undefined>('DELETE', `/api/sources/${encodeURIComponent(source.id)}`);
              setConfirmDelete(false);
              props.onDeleted();
            });
          }}
        >
          <p>Its webhook URL stops working at once: the provider's webhooks will be refused. The leads it brought in are kept.</p>
        </ConfirmDialog>
      ) : null}
    </article>
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
      {revealed?.note === undefined ? null : (
        <p class="alert alert-success" role="status">
          {revealed.note}
        </p>
      )}
      {error === undefined ? null : <p class="alert alert-error" role="alert">{errorText(error)}</p>}
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
          <h3>Set up {guide.name}</h3>
          <ol class="pg-steps">{guide.steps()}</ol>
        </>
      )}
    </section>
  );
}

/** A copy field's place while its value loads: the same size, so the guide under it does not move. */
function CopyFieldLoading(props: { label: string; copyLabel: string; what: string }): JSX.Element {
  return (
    <div class="pg-copy pg-copy-loading">
      <span class="visually-hidden" role="status">
        Loading {props.what}…
      </span>
      <div aria-hidden="true">
        <span class="pg-copy-label">{props.label}</span>
        <div class="pg-copy-row">
          <span class="pg-copy-fake" />
          <span class="btn pg-copy-fake-btn">{props.copyLabel}</span>
        </div>
        <p class="hint">{'\u00a0'}</p>
        <p class="pg-copy-status" />
      </div>
    </div>
  );
}
