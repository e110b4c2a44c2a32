import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiSend } from '../api.js';
import { Link, navigate } from '../router.js';
import { banner, session, type Session } from '../session.js';
import { useStore } from './hooks.js';

interface NavItem {
  href: string;
  label: string;
  adminOnly?: boolean;
  /** The paths this item is current for. */
  matches: (path: string) => boolean;
}

const NAV: NavItem[] = [
  { href: '/', label: 'Overview', matches: (p) => p === '/' },
  { href: '/leads', label: 'Leads', matches: (p) => p === '/leads' || p.startsWith('/leads/') },
  { href: '/sources', label: 'Sources', matches: (p) => p === '/sources' || p.startsWith('/sources/') },
  { href: '/requests', label: 'Requests', matches: (p) => p === '/requests' || p.startsWith('/requests/') },
  { href: '/destinations', label: 'Destinations', matches: (p) => p === '/destinations' || p.startsWith('/destinations/') },
  { href: '/tokens', label: 'Tokens', adminOnly: true, matches: (p) => p === '/tokens' },
];

/** The frame of every signed-in page: skip link, header, main navigation, error banner, content. */
export function Shell({ me, path, children }: { me: Session | null; path: string; children: ComponentChildren }) {
  const message = useStore(banner);
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(path);
  const [signingOut, setSigningOut] = useState(false);

  // After a navigation, move focus to the new page (a screen reader reads it; Tab starts there).
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus({ preventScroll: true });
  }, [path]);

  async function signOut(): Promise<void> {
    setSigningOut(true);
    try {
      await apiSend('DELETE', '/api/session');
    } catch {
      // Signed out anyway: the cookie may already be gone (expired), and the page forgets the session.
    }
    session.set(null);
    banner.set(null);
    setSigningOut(false);
    navigate('/sign-in', { replace: true });
  }

  return (
    <div class="app">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <Link href="/" class="brand">
          <span class="brand-mark" aria-hidden="true" />
          <span>leadhook</span>
        </Link>
        <div class="whoami">
          {me === null ? (
            <span class="skeleton skeleton-inline" aria-hidden="true" />
          ) : (
            <span class="whoami-name" title={`Signed in as ${me.name} (${me.role})`}>
              {me.name} <span class="role-badge">{me.role}</span>
            </span>
          )}
          <button type="button" class="btn btn-quiet" onClick={() => void signOut()} disabled={me === null || signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Main" class="sidenav">
        <ul>
          {NAV.filter((item) => item.adminOnly !== true || me?.role === 'admin').map((item) => {
            const current = item.matches(path);
            return (
              <li key={item.href}>
                <Link href={item.href} class={current ? 'nav-link current' : 'nav-link'} aria-current={current ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" tabIndex={-1} ref={mainRef} class="content">
        {message === null ? null : (
          <div class="banner" role="alert">
            <p>{message}</p>
            <button type="button" class="btn btn-quiet" onClick={() => banner.set(null)}>
              Dismiss
            </button>
          </div>
        )}
        {children}
      </main>
    </div>
  );
}
