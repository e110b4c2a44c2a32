/**
 * What a viewer is not shown: credentials. A source without its secret, URL token or webhook URL
 * (the URL carries the token); a destination without its signing secret.
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
  return without(destination, DESTINATION_CREDENTIAL_FIELDS);
}
