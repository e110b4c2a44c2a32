/**
 * A tiny history router: `navigate(path)`, `<Link href>`, `useLocation()` and `matchRoute()`.
 * Paths are same-origin client routes (`/leads/abc?stage=new`); anything else is a plain link.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const listener of [...listeners]) listener();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

/** The current path with its query, e.g. `/leads?stage=new`. */
export function currentPath(): string {
  return `${location.pathname}${location.search}`;
}

/** Go to a client route. `replace` changes the history entry instead of adding one (filters, redirects). */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === currentPath()) return;
  if (options.replace === true) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  if (options.replace !== true) window.scrollTo(0, 0);
  notify();
}

export interface Location {
  /** The path without query, e.g. `/leads/abc`. */
  path: string;
  /** The query parameters. */
  query: URLSearchParams;
}

/** The current location; the component re-renders when it changes. */
export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Replace the query of the current path (filters in the URL) without a new history entry. */
export function setQuery(values: Record<string, string | undefined>): void {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(key, value);
  const text = params.toString();
  navigate(`${location.pathname}${text === '' ? '' : `?${text}`}`, { replace: true });
}

/**
 * Match `path` against a pattern like `/leads/:id`; the params are decoded, or null when it does not
 * match (a segment that does not decode does not match).
 */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.replace(/\/+$/, '').split('/');
  if (path === '/') got.splice(0, got.length, '', '');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) return null;
  }
  return params;
}

type AnchorProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>;

/** A link to a client route: a real `<a href>` (new tab, copy link work); a plain click navigates in place. */
export function Link(props: AnchorProps & { href: string; children?: ComponentChildren }): JSX.Element {
  const { href, onClick, ...rest } = props;
  return (
    <a
      {...rest}
      href={href}
      onClick={(event: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
        if (typeof onClick === 'function') onClick(event);
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        if (!href.startsWith('/') || href.startsWith('//')) return;
        event.preventDefault();
        navigate(href);
      }}
    />
  );
}
