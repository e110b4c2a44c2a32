import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { apiSend } from '../../api.js';
import { formatCount, formatDateTime, formatMs, formatRelative, isoDay } from '../../format.js';
import type { Destination, TestSend } from '../../types.js';
import { CopyField } from '../CopyField.js';
import { fieldProps, FormError, SuccessNote } from '../feedback.js';
import { FormActions } from '../FormActions.js';
import { useAction } from '../hooks.js';
import { DeleteButton, Fact, ItemCard } from './cards.js';

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
  const action = useAction();
  const [replaying, setReplaying] = useState(false);
  const [tested, setTested] = useState<TestSend | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const path = `/api/destinations/${encodeURIComponent(d.id)}`;

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
    <ItemCard name={d.name} badge={<span class={`badge ${STATUS_BADGE[status]}`}>{status}</span>} focused={props.focused}>
      <dl class="pg-facts">
        <Fact term="URL" wide breakAnywhere>
          {d.url}
        </Fact>
        <Fact term="Events">{d.events.join(', ')}</Fact>
        <Fact term="Filtered">{formatCount(d.filteredCount)}</Fact>
        <Fact term="Failed (14 days)">{props.failed === undefined ? '—' : formatCount(props.failed)}</Fact>
        <Fact term="Last success">
          {d.lastSuccessAt === null ? 'Never' : <time dateTime={d.lastSuccessAt} title={formatDateTime(d.lastSuccessAt)}>{formatRelative(d.lastSuccessAt)}</time>}
        </Fact>
        <Fact term="Rule" wide>
          {d.filter === null ? 'None: every event is sent' : <code class="pg-code-inline">{d.filter}</code>}
        </Fact>
        {!d.enabled && d.disabledReason !== null ? (
          <Fact term="Disabled" wide>
            {formatDateTime(d.disabledAt)}: {d.disabledReason}
          </Fact>
        ) : null}
        {d.failingSince !== null || props.lastDeliveryError !== null ? (
          <Fact term="Last error" wide breakAnywhere>
            {d.failingSince === null ? '' : `Failing since ${formatDateTime(d.failingSince)}. `}
            {props.lastDeliveryError ?? ''}
          </Fact>
        ) : null}
        {d.lastRuleError === null ? null : (
          <Fact term="Last rule error" wide breakAnywhere>
            {formatDateTime(d.lastRuleError.at)}: {d.lastRuleError.message}
          </Fact>
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
          <DeleteButton name={d.name} confirmLabel="Delete destination" path={path} onDeleted={props.onDeleted}>
            <p>Nothing more is sent to it, including deliveries still waiting.</p>
          </DeleteButton>
        </div>
      ) : null}
      <FormError error={action.error} />
      <SuccessNote>{message}</SuccessNote>
      {tested === null ? null : <TestResult result={tested} />}
      {props.revealed === undefined ? null : (
        <div class="pg-setup">
          <SuccessNote>{props.revealed.note}</SuccessNote>
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
    </ItemCard>
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
      <FormActions submitLabel="Queue replay" busy={action.busy} onCancel={props.onCancel} />
      <FormError error={action.error} id={`${id}-error`} />
    </form>
  );
}
