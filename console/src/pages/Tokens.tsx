import type { JSX } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { apiGet, apiSend } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyField } from '../components/CopyField.js';
import { fieldProps, FormError, SuccessNote } from '../components/feedback.js';
import { FormActions } from '../components/FormActions.js';
import { useAction, useLoad, useTitle } from '../components/hooks.js';
import { ListTable } from '../components/ListTable.js';
import { formatDateTime, formatRelative } from '../format.js';
import type { ApiToken, NewApiToken, TokenRole } from '../types.js';
import '../components/pages/pages.css';

const ROLE_WORDS: Record<TokenRole, string> = {
  admin: 'Admin: everything, including secrets and tokens',
  viewer: 'Viewer: reads leads, requests and deliveries; changes nothing',
};

/** Tokens (admins only): named API tokens with a role, when each was last used, new ones, revoke. */
export function TokensPage(p: { role: 'admin' | 'viewer'; params: Record<string, string> }): JSX.Element {
  useTitle('Tokens');
  if (p.role !== 'admin') {
    return (
      <div class="page pg-page">
        <h1>Tokens</h1>
        <p class="empty">Only admins can see and manage tokens. You are signed in as a viewer.</p>
      </div>
    );
  }
  return <TokensAdmin />;
}

function TokensAdmin(): JSX.Element {
  const list = useLoad(() => apiGet<{ items: ApiToken[] }>('/api/tokens'), []);
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<NewApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);

  return (
    <div class="page pg-page">
      <div class="page-header">
        <h1>Tokens</h1>
        {adding ? null : (
          <button
            type="button"
            class="btn btn-primary"
            onClick={() => {
              setAdding(true);
              setCreated(null);
              setRevoked(null);
            }}
          >
            New token
          </button>
        )}
      </div>
      <p class="pg-lead">
        API tokens for people and programs: <code>Authorization: Bearer &lt;token&gt;</code> on the API, or to sign in here. An admin token can do everything; a viewer token reads and
        changes nothing. The first-start admin token is not listed and keeps working.
      </p>
      {adding ? (
        <NewTokenForm
          onCreated={(t) => {
            setCreated(t);
            setAdding(false);
            list.reload();
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      {created === null ? null : <CreatedToken token={created} onDone={() => setCreated(null)} />}
      <SuccessNote>{revoked}</SuccessNote>
      <FormError error={list.error} />
      <ListTable
        items={list.data?.items}
        failed={list.error !== undefined}
        headings={['Name', 'Role', 'Created', 'Last used', 'Revoked']}
        actions
        empty='No named tokens yet. Use "New token" to give someone their own, with the role they need.'
        row={(t) => (
          <tr key={t.id} class={t.revokedAt === null ? undefined : 'pg-row-muted'}>
            <td class="pg-break pg-name-cell">{t.name}</td>
            <td>
              <span class="badge">{t.role}</span>
            </td>
            <td class="nowrap">{formatDateTime(t.createdAt)}</td>
            <td class="nowrap">{t.lastUsedAt === null ? 'Never' : <time dateTime={t.lastUsedAt} title={formatDateTime(t.lastUsedAt)}>{formatRelative(t.lastUsedAt)}</time>}</td>
            <td class="nowrap">{t.revokedAt === null ? 'No' : formatDateTime(t.revokedAt)}</td>
            <td class="pg-row-actions">
              {t.revokedAt === null ? (
                <button type="button" class="btn btn-danger" onClick={() => setRevoking(t)}>
                  Revoke
                </button>
              ) : null}
            </td>
          </tr>
        )}
      />
      {revoking === null ? null : (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke token"
          confirm={() => apiSend('DELETE', `/api/tokens/${encodeURIComponent(revoking.id)}`)}
          onDone={() => {
            setRevoking(null);
            setRevoked(`${revoking.name} is revoked: it no longer works, and its console sessions have ended.`);
            list.reload();
          }}
          onCancel={() => setRevoking(null)}
        >
          <p>It stops working at once, and anyone signed in with it is signed out. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** The token just made, shown once; it takes the focus when it appears (the form it replaces is gone). */
function CreatedToken(props: { token: NewApiToken; onDone(): void }): JSX.Element {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="card pg-setup" aria-labelledby="new-token-title">
      <h2 id="new-token-title" tabIndex={-1} ref={heading}>
        Token for {props.token.name} ({props.token.role})
      </h2>
      <CopyField
        label="New token"
        value={props.token.token}
        copyLabel="Copy token"
        hint="This is the only time the token is shown: copy it now and keep it somewhere safe. If it is lost, revoke it and make a new one."
      />
      <div class="pg-actions">
        <button type="button" class="btn" onClick={props.onDone}>
          Done
        </button>
      </div>
    </section>
  );
}

function NewTokenForm(props: { onCreated(token: NewApiToken): void; onCancel(): void }): JSX.Element {
  const id = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('viewer');
  const action = useAction();
  const errorId = `${id}-error`;
  const submit = async (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    const created = await action.run(() => apiSend<NewApiToken>('POST', '/api/tokens', { name: name.trim(), role }));
    if (created !== undefined) props.onCreated(created);
  };
  return (
    <form class="card pg-form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Add a token</h2>
      <div class="field">
        <label for={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          type="text"
          required
          maxLength={100}
          placeholder="e.g. Priya (sales) or CRM sync"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          {...fieldProps(action.error, 'name', errorId)}
        />
      </div>
      <div class="field">
        <label for={`${id}-role`}>Role</label>
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.currentTarget.value as TokenRole)} aria-describedby={`${id}-role-hint`} {...fieldProps(action.error, 'role', errorId, `${id}-role-hint`)}>
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
        <p class="hint" id={`${id}-role-hint`}>
          {ROLE_WORDS[role]}
        </p>
      </div>
      <FormError error={action.error} id={errorId} />
      <FormActions submitLabel="Create token" busy={action.busy} onCancel={props.onCancel} />
    </form>
  );
}
