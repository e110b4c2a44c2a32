import type { JSX } from 'preact';
import { useId, useState } from 'preact/hooks';
import { apiSend } from '../../api.js';
import { PROVIDERS } from '../../providers.js';
import type { ProviderId, Source } from '../../types.js';
import { fieldProps, FormError } from '../feedback.js';
import { FormActions } from '../FormActions.js';
import { useAction } from '../hooks.js';
import { guideOf } from './provider-guides.js';

const OWN_SECRET_LABEL: Partial<Record<ProviderId, string>> = {
  casayes: 'Token from CasaYes',
  leadpro: 'Signing key from LeadPro (optional)',
};

/** "Add source": provider, name and (for providers that hand you one) their secret; the guide per provider. */
export function AddSourceForm(props: { onCreated(source: Source): void; onCancel(): void }): JSX.Element {
  const [provider, setProvider] = useState<ProviderId | ''>('');
  const [name, setName] = useState('');
  const [ownSecret, setOwnSecret] = useState('');
  const [missingProvider, setMissingProvider] = useState(false);
  const action = useAction();
  const errorId = useId();
  const guideId = useId();
  const guide = provider === '' ? undefined : guideOf(provider);
  const ownSecretLabel = provider === '' ? undefined : OWN_SECRET_LABEL[provider];

  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (provider === '') {
      setMissingProvider(true);
      return;
    }
    setMissingProvider(false);
    const body: Record<string, string> = { provider, name: name.trim() };
    if (ownSecretLabel !== undefined && ownSecret !== '') body['secret'] = ownSecret;
    const created = await action.run(() => apiSend<Source>('POST', '/api/sources', body));
    if (created !== undefined) props.onCreated(created);
  };

  const guideHint = guide === undefined ? undefined : `${guideId}-before`;
  const providerInvalid = missingProvider ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : fieldProps(action.error, 'provider', errorId, guideHint);
  return (
    <form class="card pg-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${guideId}-title`} noValidate>
      <h2 id={`${guideId}-title`}>Add a source</h2>
      <div class="field">
        <label for={`${guideId}-provider`}>Provider</label>
        <select
          id={`${guideId}-provider`}
          value={provider}
          onChange={(e) => {
            setProvider(e.currentTarget.value as ProviderId | '');
            setMissingProvider(false);
          }}
          aria-describedby={guide === undefined ? undefined : `${guideId}-before`}
          {...providerInvalid}
        >
          <option value="">Choose a provider…</option>
          {PROVIDERS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </div>
      {guide === undefined ? null : (
        <p class="hint" id={`${guideId}-before`}>
          {guide.before}
        </p>
      )}
      <div class="field">
        <label for={`${guideId}-name`}>Name</label>
        <input
          id={`${guideId}-name`}
          type="text"
          required
          maxLength={200}
          value={name}
          placeholder="e.g. LeadPro – London office"
          onInput={(e) => setName(e.currentTarget.value)}
          {...fieldProps(action.error, 'name', errorId)}
        />
      </div>
      {ownSecretLabel === undefined ? null : (
        <div class="field">
          <label for={`${guideId}-secret`}>{ownSecretLabel}</label>
          <input
            id={`${guideId}-secret`}
            type="text"
            autoComplete="off"
            spellcheck={false}
            minLength={8}
            maxLength={4096}
            value={ownSecret}
            onInput={(e) => setOwnSecret(e.currentTarget.value)}
            aria-describedby={`${guideId}-secret-hint`}
            {...fieldProps(action.error, 'secret', errorId, `${guideId}-secret-hint`)}
          />
          <p class="hint" id={`${guideId}-secret-hint`}>
            Paste it exactly as the provider shows it (at least 8 characters). Leave it empty and leadhook generates one.
          </p>
        </div>
      )}
      {missingProvider ? (
        <p class="alert alert-error" role="alert" id={errorId}>
          Choose the provider that will send the webhooks.
        </p>
      ) : (
        <FormError error={action.error} id={errorId} />
      )}
      <FormActions submitLabel="Create source" busy={action.busy} onCancel={props.onCancel} />
    </form>
  );
}
