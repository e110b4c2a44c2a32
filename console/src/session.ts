/**
 * What the console knows about who is signed in, and the one error banner it shows. Both are tiny
 * stores with subscribers, so the API client (plain functions) can update what the shell renders.
 */

export type Role = 'admin' | 'viewer';

export interface Session {
  name: string;
  role: Role;
  csrfToken: string;
  expiresAt: string;
}

type Listener = () => void;

function store<T>(initial: T) {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    get: (): T => value,
    set(next: T): void {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The signed-in session, or null (signed out, or not yet known). */
export const session = store<Session | null>(null);

/** The error banner at the top of every page (role=alert), or null for none. */
export const banner = store<string | null>(null);

/** A message the sign-in page shows once (for example "your session has expired"). */
export const signInNotice = store<string | null>(null);

export const STORAGE_UNAVAILABLE = "leadhook's storage is unavailable right now, so this page cannot load or save data. It retries by itself; try again in a few seconds.";
export const SESSION_EXPIRED = 'Your session has expired. Sign in again to continue.';

/** What every page component receives. */
export interface PageProps {
  role: Role;
  params: Record<string, string>;
}
