import type { ProviderAdapter } from '../providers/adapter.js';
import { HubError } from './errors.js';

/** How a provider presents a source's secret. */
export type SecretUse = ProviderAdapter['authMethod'];

/** Methods that send the secret itself as an HTTP header value, which arrives as Latin-1 bytes and trimmed. */
const SENT_IN_A_HEADER: readonly SecretUse[] = ['authorization_header', 'token_header'];

/**
 * Why a secret a user typed could never authenticate a webhook, or null when it can. A webhook's
 * header is read trimmed, so a secret with white space at either end never matches, and one of
 * white space only is no secret; a control character cannot be sent in a header at all. A secret
 * the provider sends in a header must also be printable ASCII: other characters do not arrive as
 * typed. Nothing is trimmed or fixed here: the user must know exactly what the provider will send.
 *
 * @example secretProblem(' s3cret-token', 'token_header') // 'secret starts or ends with white space: …'
 */
export function secretProblem(secret: string, use?: SecretUse): string | null {
  if (secret.trim() === '') return 'secret is empty or white space only: give the exact value the provider sends, or leave --secret out to generate one';
  if (/^\s|\s$/.test(secret)) {
    return 'secret starts or ends with white space: webhook headers are read trimmed, so it would never match; give it without the spaces, exactly as the provider sends it';
  }
  if (/\p{Cc}/u.test(secret)) return 'secret contains a control character (a tab, line break or other): it cannot be sent in a header, so it would never match';
  if (use !== undefined && SENT_IN_A_HEADER.includes(use) && !/^[\x20-\x7e]+$/.test(secret)) {
    return 'secret has characters other than printable ASCII: the provider sends it in an HTTP header, where those do not arrive as typed, so it would never match';
  }
  return null;
}

/** Throws LH_E_VALIDATION with secretProblem's reason when the secret could never authenticate. */
export function checkSecret(secret: string, use?: SecretUse): string {
  const problem = secretProblem(secret, use);
  if (problem !== null) throw new HubError('LH_E_VALIDATION', [problem]);
  return secret;
}
