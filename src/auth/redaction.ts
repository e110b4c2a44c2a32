/**
 * What a viewer is not shown: credentials. A source without its secret, URL token or webhook URL
 * (the URL carries the token); a destination without its signing secret, and its URL cut to its
 * origin (many receivers' URLs are themselves the credential: Slack, Zapier, `?api_key=`).
 */

/** Source fields that are, or carry, a credential. */
export const SOURCE_CREDENTIAL_FIELDS = ['secret', 'previousSecret', 'urlToken', 'previousUrlToken', 'webhookPath', 'webhookUrl'] as const;
/** Destination fields that are a credential. */
export const DESTINATION_CREDENTIAL_FIELDS = ['secret', 'previousSecret'] as const;

function without<T extends object>(value: T, fields: readonly string[]): T {
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of fields) delete out[field];
  return out as T;
}

/** A source DTO as a viewer sees it. */
export function viewerSource<T extends object>(source: T): T {
  return without(source, SOURCE_CREDENTIAL_FIELDS);
}

/** A destination DTO as a viewer sees it. */
export function viewerDestination<T extends object>(destination: T): T {
  const out = without(destination, DESTINATION_CREDENTIAL_FIELDS) as T & { url?: unknown };
  return typeof out.url === 'string' ? { ...out, url: urlForViewer(out.url) } : out;
}

/**
 * A destination URL as a viewer sees it: where it goes (scheme, host, port) and nothing that may be
 * a credential (user info, path, query, fragment), which is shown as `…`.
 *
 * @example urlForViewer('https://hooks.slack.com/services/T0/B0/XYZ') // 'https://hooks.slack.com/…'
 * @example urlForViewer('https://crm.example/') // 'https://crm.example/'
 */
export function urlForViewer(url: string): string {
  if (!URL.canParse(url)) return '…';
  const u = new URL(url);
  const isBare = u.pathname === '/' && u.search === '' && u.hash === '' && u.username === '' && u.password === '';
  return isBare ? `${u.origin}/` : `${u.origin}/…`;
}
