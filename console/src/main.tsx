import './styles.css';
import { render, type ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet } from './api.js';
import { Shell } from './components/Shell.js';
import { useStore, useTitle } from './components/hooks.js';
import { DestinationsPage } from './pages/Destinations.js';
import { LeadPage } from './pages/Lead.js';
import { LeadsPage } from './pages/Leads.js';
import { OverviewPage } from './pages/Overview.js';
import { RequestsPage } from './pages/Requests.js';
import { SignInPage } from './pages/SignIn.js';
import { SourcesPage } from './pages/Sources.js';
import { TokensPage } from './pages/Tokens.js';
import { currentPath, Link, matchRoute, navigate, useLocation } from './router.js';
import { session, SESSION_EXPIRED, signInNotice, type PageProps, type Session } from './session.js';

interface Route {
  pattern: string;
  page: ComponentType<PageProps>;
  adminOnly?: boolean;
}

/** Keep in step with CLIENT_ROUTES in src/http/console-routes.ts (the server answers these with index.html). */
const ROUTES: Route[] = [
  { pattern: '/', page: OverviewPage },
  { pattern: '/leads', page: LeadsPage },
  { pattern: '/leads/:id', page: LeadPage },
  { pattern: '/sources', page: SourcesPage },
  { pattern: '/sources/:id', page: SourcesPage },
  { pattern: '/requests', page: RequestsPage },
  { pattern: '/requests/:id', page: RequestsPage },
  { pattern: '/destinations', page: DestinationsPage },
  { pattern: '/destinations/:id', page: DestinationsPage },
  { pattern: '/tokens', page: TokensPage, adminOnly: true },
];

function resolve(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, path);
    if (params !== null) return { route, params };
  }
  return null;
}

function NotFound() {
  useTitle('Page not found');
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>
        There is no page at this address. <Link href="/">Go to the overview</Link>.
      </p>
    </div>
  );
}

function AdminsOnly({ what }: { what: string }) {
  useTitle(what);
  return (
    <div class="page">
      <h1>{what}</h1>
      <p class="empty">Only admins can see this page. You are signed in as a viewer.</p>
    </div>
  );
}

/** Ask the server who is signed in (cookie); none → the sign-in page, back here afterwards. */
async function bootstrap(): Promise<void> {
  try {
    session.set(await apiGet<Session>('/api/session'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      if (error.code === 'LH_E_SESSION_EXPIRED') signInNotice.set(SESSION_EXPIRED);
      const here = currentPath();
      navigate(here === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`, { replace: true });
    }
    // Any other failure (503, network) is shown by the banner; the shell stays, so the user can retry.
    throw error;
  }
}

function App() {
  const location = useLocation();
  const me = useStore(session);
  const [failed, setFailed] = useState(false);
  const onSignIn = location.path === '/sign-in';

  useEffect(() => {
    if (onSignIn || me !== null) return;
    setFailed(false);
    bootstrap().catch(() => setFailed(true));
  }, [onSignIn, me]);

  if (onSignIn) return <SignInPage />;
  const found = resolve(location.path);
  let content;
  if (me === null) {
    content = failed ? (
      <div class="page">
        <h1>leadhook</h1>
        <p class="empty">The console could not check your session.</p>
        <button type="button" class="btn" onClick={() => bootstrap().then(() => setFailed(false), () => setFailed(true))}>
          Try again
        </button>
      </div>
    ) : (
      <div class="page" aria-busy="true">
        <div class="page-header">
          <span class="skeleton skeleton-title" aria-hidden="true" />
        </div>
      </div>
    );
  } else if (found === null) {
    content = <NotFound />;
  } else if (found.route.adminOnly === true && me.role !== 'admin') {
    content = <AdminsOnly what="Tokens" />;
  } else {
    const Page = found.route.page;
    // Keyed by the route pattern: a different page starts fresh, a new id within one page reloads its data.
    content = <Page key={found.route.pattern} role={me.role} params={found.params} />;
  }
  return (
    <Shell me={me} path={location.path}>
      {content}
    </Shell>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
