import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiSend } from '../api.js';
import { useStore, useTitle } from '../components/hooks.js';
import { navigate, useLocation } from '../router.js';
import { banner, session, signInNotice, type Session } from '../session.js';

/** Where to go after signing in: a path of this console only (never another origin). */
export function safeNext(next: string | null): string {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) return '/';
  return next;
}

export function SignInPage() {
  useTitle('Sign in');
  const location = useLocation();
  const notice = useStore(signInNotice);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => input.current?.focus(), []);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Paste an API token to sign in.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await apiSend<Session>('POST', '/api/session', { token: value });
      setToken('');
      signInNotice.set(null);
      banner.set(null);
      session.set(me);
      navigate(safeNext(location.query.get('next')), { replace: true });
    } catch (e) {
      const wrong = e instanceof ApiError && e.status === 401;
      setError(wrong ? 'That token was not accepted. Check it and try again, or ask an admin for a new one.' : e instanceof ApiError ? e.message : 'Signing in failed.');
      setBusy(false);
      input.current?.select();
    }
  }

  const message = error ?? notice;
  return (
    <main id="main" class="signin">
      <div class="signin-card">
        <div class="brand brand-large" aria-hidden="true">
          <span class="brand-mark" />
          <span>leadhook</span>
        </div>
        <h1>Sign in to leadhook</h1>
        <p class="muted">Use an API token: the admin token printed when leadhook first started, or a named token an admin created for you.</p>
        {message === null ? null : (
          <p class="alert alert-error" role="alert">
            {message}
          </p>
        )}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <div class="field">
            <label for="token">API token</label>
            <input
              id="token"
              ref={input}
              type="password"
              name="token"
              autoComplete="off"
              spellcheck={false}
              maxLength={4096}
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
              aria-invalid={error !== null ? 'true' : undefined}
              required
            />
          </div>
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="muted small">The browser keeps only a session cookie, never the token itself.</p>
      </div>
    </main>
  );
}
