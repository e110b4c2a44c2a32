import type { JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { apiSend } from '../../api.js';
import { formatCount, formatDateTime, formatMs, formatRelative, isoDay } from '../../format.js';
import { ConfirmDialog, CopyField } from './dialogs.js';
import { fieldProps, FormError } from './feedback.js';
import type { Destination, TestSend } from './types.js';
import { useAction } from './use-load.js';

const STATUS_BADGE = { Enabled: 'badge-ok', Failing: 'badge-bad', Disabled: 'badge-neutral' } as const;

/** The signing secret (and what happened) while the API shows it, once: kept by the page. */
export interface RevealedSecret {
  secret: string;
  note: string;
}

export function DestinationCard(props: {
  destination: Destination;
  /** Failed deliveries in the last 14 days (GET /api/stats), when known. */
  failed: number | undefined;
  /** The error of its newest failed delivery, when there is one. */
  lastDeliveryError: string | null;
  admin: boolean;
  focused: boolean;
  revealed: RevealedSecret | undefined;
  onReveal(values: RevealedSecret): void;
  onChanged(): void;
  onDeleted(): void;
}): JSX.Element {
  const d = props.destination;
  const id = useId();
  const card = useRef<HTMLElement>(null);
  const action = useAction();
  const remove = useAction();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const [tested, setTested] = useState<TestSend | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const path = `/api/destinations/${encodeURIComponent(d.id)}`;
  useEffect(() => {
    if (!props.focused) return;
    card.current?.scrollIntoView({ block: 'start' });
    card.current?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }, [props.focused]);

  const sendTest = async () => {
    setTested(null);
    setMessage(null);
    const answer = await action.run(() => apiSend<TestSend>('POST', `${path}/test`));
    if (answer !== undefined) setTested(answer);
  };
  const rotate = async () => {
    setMessage(null);
    const changed = await action.run(() => apiSend<Destination>('PATCH', path, { rotateSecret: true }));
    if (changed?.secret !== undefined) {
      const until = changed.previousSecretExpiresAt;
      props.onReveal({
        secret: changed.secret,
        note:
          until === null
            ? 'New signing secret made: update the receiver now.'
            : `New signing secret made. Events are signed with both secrets until ${formatDateTime(until)}: update the receiver before then.`,
      });
      props.onChanged();
    }
  };
  const setEnabled = async (enabled: boolean) => {
    setMessage(null);
    const changed = await action.run(() => apiSend<Destination>('PATCH', path, { enabled }));
    if (changed !== undefined) {
      setMessage(enabled ? `${d.name} is enabled: its pending deliveries are sent again.` : `${d.name} is disabled: nothing is sent to it until you enable it.`);
      props.onChanged();
    }
  };

  const status: keyof typeof STATUS_BADGE = !d.enabled ? 'Disabled' : d.failingSince !== null ? 'Failing' : 'Enabled';
  return (
    <article ref={card} class={props.focused ? 'card pg-card pg-card-focused' : 'card pg-card'} aria-labelledby={`${id}-name`}>
      <header class="pg-card-head">
        <h2 id={`${id}-name`} class="pg-card-title" tabIndex={-1}>
          {d.name}
        </h2>
        <span class={`badge ${STATUS_BADGE[status]}`}>{status}</span>
      </header>
      <dl class="pg-facts">
        <div class="pg-fact-wide">
          <dt>URL</dt>
          <dd class="pg-break">{d.url}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd>{d.events.join(', ')}</dd>
        </div>
        <div>
          <dt>Filtered</dt>
          <dd>{formatCount(d.filteredCount)}</dd>
        </div>
        <div>
          <dt>Failed (14 days)</dt>
          <dd>{props.failed === undefined ? '—' : formatCount(props.failed)}</dd>
        </div>
        <div>
          <dt>Last success</dt>
          <dd>{d.lastSuccessAt === null ? 'Never' : <time dateTime={d.lastSuccessAt} title={formatDateTime(d.lastSuccessAt)}>{formatRelative(d.lastSuccessAt)}</time>}</dd>
        </div>
        <div class="pg-fact-wide">
          <dt>Rule</dt>
          <dd>{d.filter === null ? 'None: every event is sent' : <code class="pg-code-inline">{d.filter}</code>}</dd>
        </div>
        {!d.enabled && d.disabledReason !== null ? (
          <div class="pg-fact-wide">
            <dt>Disabled</dt>
            <dd>
              {formatDateTime(d.disabledAt)}: {d.disabledReason}
            </dd>
          </div>
        ) : null}
        {d.failingSince !== null || props.lastDeliveryError !== null ? (
          <div class="pg-fact-wide">
            <dt>Last error</dt>
            <dd class="pg-break">
              {d.failingSince === null ? '' : `Failing since ${formatDateTime(d.failingSince)}. `}
              {props.lastDeliveryError ?? ''}
            </dd>
          </div>
        ) : null}
        {d.lastRuleError === null ? null : (
          <div class="pg-fact-wide">
            <dt>Last rule error</dt>
            <dd class="pg-break">
              {formatDateTime(d.lastRuleError.at)}: {d.lastRuleError.message}
            </dd>
          </div>
        )}
      </dl>
      {props.admin ? (
        <div class="pg-actions" role="group" aria-label={`Actions for ${d.name}`}>
          <button type="button" class="btn" disabled={action.busy} onClick={() => void sendTest()}>
            Send test event
          </button>
          <button type="button" class="btn" disabled={action.busy} onClick={() => void rotate()}>
            Rotate signing secret
          </button>
          <button type="button" class="btn" disabled={action.busy} onClick={() => void setEnabled(!d.enabled)}>
            {d.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" class="btn" aria-expanded={replaying} onClick={() => setReplaying(!replaying)}>
            Replay
          </button>
          <button type="button" class="btn btn-danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        </div>
      ) : null}
      <FormError error={action.error} />
      {message === null ? null : (
        <p class="alert alert-success" role="status">
          {message}
        </p>
      )}
      {tested === null ? null : <TestResult result={tested} />}
      {props.revealed === undefined ? null : (
        <div class="pg-setup">
          <p class="alert alert-success" role="status">
            {props.revealed.note}
          </p>
          <CopyField
            label="Signing secret"
            value={props.revealed.secret}
            copyLabel="Copy secret"
            hint="The receiver checks each event's webhook-signature header with it. It is shown only now: copy it before you leave this page."
          />
        </div>
      )}
      {replaying ? (
        <ReplayForm
          path={path}
          onDone={(n) => {
            setReplaying(false);
            setMessage(`${formatCount(n)} ${n === 1 ? 'delivery' : 'deliveries'} queued again.`);
            props.onChanged();
          }}
          onCancel={() => setReplaying(false)}
        />
      ) : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${d.name}?`}
          confirmLabel="Delete destination"
          busy={remove.busy}
          error={remove.error}
          onCancel={() => {
            remove.clear();
            setConfirmDelete(false);
          }}
          onConfirm={() => {
            void remove.run(async () => {
              await apiSend('DELETE', path);
              setConfirmDelete(false);
              props.onDeleted();
            });
          }}
        >
          <p>Nothing more is sent to it, including deliveries still waiting.</p>
        </ConfirmDialog>
      ) : null}
    </article>
  );
}

function TestResult({ result }: { result: TestSend }): JSX.Element {
  return (
    <div class={result.ok ? 'alert alert-success' : 'alert pg-warning'} role="status">
      <p>
        {result.status === null
          ? `Test event not answered: ${result.error ?? 'no answer'}.`
          : `Test event answered HTTP ${result.status} in ${formatMs(result.latencyMs)}${result.ok ? '.' : ` (not a 2xx)${result.error === null ? '.' : `: ${result.error}`}`}`}
      </p>
      {result.responseSnippet === undefined || result.responseSnippet === null || result.responseSnippet === '' ? null : <pre class="code pg-pre-short" tabIndex={0}>{result.responseSnippet}</pre>}
    </div>
  );
}

/** Send a destination's deliveries since a day again: failed ones by default. */
function ReplayForm(props: { path: string; onDone(requeued: number): void; onCancel(): void }): JSX.Element {
  const id = useId();
  const [since, setSince] = useState(isoDay(-7));
  const [which, setWhich] = useState<'failed' | 'succeeded' | 'filtered'>('failed');
  const action = useAction();
  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const answer = await action.run(() => apiSend<{ requeued: number }>('POST', `${props.path}/replay`, { since, status: which }));
    if (answer !== undefined) props.onDone(answer.requeued);
  };
  return (
    <form class="pg-inline-form" onSubmit={(e) => void submit(e)} aria-label="Replay deliveries" noValidate>
      <div class="field">
        <label for={`${id}-since`}>Since</label>
        <input id={`${id}-since`} type="date" required value={since} onInput={(e) => setSince(e.currentTarget.value)} {...fieldProps(action.error, 'since', `${id}-error`)} />
      </div>
      <div class="field">
        <label for={`${id}-which`}>Deliveries</label>
        <select id={`${id}-which`} value={which} onChange={(e) => setWhich(e.currentTarget.value as typeof which)}>
          <option value="failed">Failed</option>
          <option value="succeeded">Succeeded</option>
          <option value="filtered">Filtered</option>
        </select>
      </div>
      <div class="pg-actions">
        <button type="submit" class="btn btn-primary" disabled={action.busy}>
          Queue replay
        </button>
        <button type="button" class="btn" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <FormError error={action.error} id={`${id}-error`} />
    </form>
  );
}
