import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../api.js';
import { formatDateTime } from '../../format.js';
import { Link } from '../../router.js';
import { EVENT_TYPES, type Destination, type EventType, type RuleTemplate, type TryFilterItem } from '../../types.js';
import { Empty, fieldProps, FormError, isFieldError } from '../feedback.js';
import { FormActions } from '../FormActions.js';
import { useAction, useLoad } from '../hooks.js';

const EVENT_WORDS: Record<EventType, string> = {
  'lead.created': 'A lead is created',
  'lead.updated': 'A lead is updated',
  'lead.stage_changed': "A lead's stage changes",
  'lead.erased': "A lead's personal data is erased: erase your copy (the event carries ids only)",
};

/**
 * "Add destination": name, URL, events, and a rule (a template or CEL) that can be tried against the
 * most recent events before saving. The signing secret is handed to `onCreated` (shown once).
 */
export function AddDestinationForm(props: { onCreated(destination: Destination): void; onCancel(): void }): JSX.Element {
  const id = useId();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventType[]>([...EVENT_TYPES]);
  const [template, setTemplate] = useState('');
  const [filter, setFilter] = useState('');
  const [includeTest, setIncludeTest] = useState(false);
  const templates = useLoad(() => apiGet<{ items: RuleTemplate[] }>('/api/rule-templates'), []);
  const create = useAction();
  const trial = useAction();
  const [tried, setTried] = useState<TryFilterItem[] | null>(null);
  const errorId = `${id}-error`;
  const tryErrorId = `${id}-try-error`;
  const chosen = templates.data?.items.find((t) => t.id === template);

  const pickTemplate = (value: string) => {
    setTemplate(value);
    const t = templates.data?.items.find((x) => x.id === value);
    setFilter(t === undefined ? '' : t.expression);
    setTried(null);
    trial.clear();
  };
  const toggle = (type: EventType, on: boolean) => setEvents(on ? EVENT_TYPES.filter((t) => t === type || events.includes(t)) : events.filter((t) => t !== type));

  const tryFilter = async () => {
    setTried(null);
    const answer = await trial.run(() =>
      apiSend<{ items: TryFilterItem[] }>('POST', '/api/destinations/try-filter', {
        filter: filter.trim() === '' ? 'true' : filter,
        ...(events.length > 0 ? { events } : {}),
        ...(includeTest ? { includeTest: true } : {}),
      }),
    );
    if (answer !== undefined) setTried(answer.items);
  };
  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const body = { name: name.trim(), url: url.trim(), events, filter: filter.trim() === '' ? null : filter, includeTest };
    const created = await create.run(() => apiSend<Destination>('POST', '/api/destinations', body));
    if (created !== undefined) props.onCreated(created);
  };

  // The filter is refused by "Try filter" and by "Create destination" alike: point at whichever said so.
  const filterErrorId = isFieldError(create.error, 'filter') ? errorId : isFieldError(trial.error, 'filter') ? tryErrorId : undefined;
  return (
    <form class="card pg-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Add a destination</h2>
      <div class="field">
        <label for={`${id}-name`}>Name</label>
        <input id={`${id}-name`} type="text" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} {...fieldProps(create.error, 'name', errorId)} />
      </div>
      <div class="field">
        <label for={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          type="url"
          inputMode="url"
          required
          maxLength={2048}
          placeholder="https://crm.example.com/hooks/leadhook"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
          aria-describedby={`${id}-url-hint`}
          {...fieldProps(create.error, 'url', errorId, `${id}-url-hint`)}
        />
        <p class="hint" id={`${id}-url-hint`}>
          Events are POSTed here as JSON, signed (Standard Webhooks headers) with a secret shown once you create the destination.
        </p>
      </div>
      <fieldset class="pg-fieldset" aria-describedby={isFieldError(create.error, 'events') ? errorId : undefined}>
        <legend>Events</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} class="pg-check">
            <input type="checkbox" checked={events.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            <code>{type}</code> <span class="hint">{EVENT_WORDS[type]}</span>
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for={`${id}-template`}>Rule template</label>
        <select id={`${id}-template`} value={template} onChange={(e) => pickTemplate(e.currentTarget.value)} aria-describedby={`${id}-template-hint`}>
          <option value="">None: every event, or write a filter below</option>
          {(templates.data?.items ?? []).map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
        <p class="hint" id={`${id}-template-hint`}>
          {chosen === undefined ? 'A template fills in the filter; you can still change it.' : chosen.description}
        </p>
        <FormError error={templates.error} />
      </div>
      <div class="field">
        <label for={`${id}-filter`}>Filter (CEL)</label>
        <textarea
          id={`${id}-filter`}
          rows={5}
          maxLength={4096}
          spellcheck={false}
          class="pg-code"
          placeholder={'lead.stage == "won" && event.type == "lead.stage_changed"'}
          value={filter}
          onInput={(e) => {
            setFilter(e.currentTarget.value);
            setTried(null);
            trial.clear();
          }}
          aria-describedby={`${id}-filter-hint`}
          {...(filterErrorId === undefined ? {} : { 'aria-invalid': true, 'aria-describedby': `${id}-filter-hint ${filterErrorId}` })}
        />
        <p class="hint" id={`${id}-filter-hint`}>
          A CEL expression over <code>event</code>, <code>lead</code> and <code>payload</code> (the provider's own item). Empty: every event is sent.
        </p>
      </div>
      <div class="pg-actions">
        <button type="button" class="btn" disabled={trial.busy} onClick={() => void tryFilter()}>
          Try filter
        </button>
        <span class="hint">Runs the filter on the most recent events; nothing is sent.</span>
      </div>
      <FormError error={trial.error} id={tryErrorId} />
      {tried === null ? null : <TryResults items={tried} />}
      <label class="pg-check">
        <input
          type="checkbox"
          checked={includeTest}
          onChange={(e) => {
            setIncludeTest(e.currentTarget.checked);
            setTried(null);
          }}
        />
        Send test leads too
      </label>
      <FormError error={create.error} id={errorId} />
      <FormActions submitLabel="Create destination" busy={create.busy} onCancel={props.onCancel} />
    </form>
  );
}

function TryResults({ items }: { items: TryFilterItem[] }): JSX.Element {
  if (items.length === 0) {
    return <Empty>No recent events or leads to try the filter on yet. Leads arrive through a source's webhook URL; test leads count here when "Send test leads too" is ticked.</Empty>;
  }
  const matched = items.filter((i) => i.matched).length;
  const samples = items.filter((i) => i.sample === true).length;
  // The Error column only when the rule failed somewhere: it leaves the lead names room otherwise.
  const errors = items.some((i) => i.error !== null);
  return (
    <div class="pg-try">
      <p role="status">
        Matched {matched} of the {items.length} most recent {samples === 0 ? 'events' : 'events and leads'}.
        {samples === 0 ? null : (
          <span class="hint">
            {' '}
            {samples === items.length ? 'No event is stored yet, so each' : `${samples} are samples: each`} row marked "sample from lead" is a recent lead
            tried as the <code>lead.created</code> event it would make.
          </span>
        )}
      </p>
      <div class="table-wrap">
        <table class="data pg-table-compact pg-try-table">
          <caption class="visually-hidden">Filter tried on recent events</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Lead</th>
              <th scope="col">When</th>
              <th scope="col">Matched</th>
              {errors ? <th scope="col">Error</th> : null}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.eventId ?? `sample-${item.leadId}`}>
                <td>
                  <code>{item.type}</code>
                  {item.sample === true ? (
                    <>
                      {' '}
                      <span class="badge badge-neutral pg-sample" title="Not a stored event: a recent lead tried as the lead.created event it would make">
                        sample from lead
                      </span>
                    </>
                  ) : null}
                </td>
                <td class="pg-lead-name">
                  <Link href={`/leads/${encodeURIComponent(item.leadId)}`}>{item.leadName ?? 'Unnamed lead'}</Link>
                </td>
                <td class="nowrap">
                  <time dateTime={item.createdAt} title={item.sample === true ? 'When the lead was first seen' : 'When the event was made'}>
                    {formatDateTime(item.createdAt)}
                  </time>
                </td>
                <td>
                  <span class={item.matched ? 'badge badge-ok' : 'badge badge-neutral'}>{item.matched ? 'Yes' : 'No'}</span>
                </td>
                {errors ? <td class="pg-reason">{item.error ?? ''}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
