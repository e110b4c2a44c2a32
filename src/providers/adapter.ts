import type { LeadPatch, ProviderId } from '../core/lead.js';

/** The parts of an inbound HTTP request an adapter may look at. Header names are lower-case. */
export interface InboundRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  receivedAt: Date;
}

export type AuthFailureReason =
  | 'missing_credentials'
  | 'bad_credentials'
  | 'malformed_token'
  | 'unsupported_algorithm'
  | 'bad_signature';

/** The secrets a source accepts now, current first; a single string is the current one alone. */
export type SourceSecrets = string | readonly string[];

/** `payload` is set when the credential itself carries the payload (LeadPro's JWT claims). */
export type AuthResult =
  | { ok: true; payload?: unknown }
  | { ok: false; reason: AuthFailureReason; detail: string };

/**
 * `items` are the lead elements of the request (a Praetorian array, or one object).
 * `ping` is a request that carries no lead on purpose (Praetorian `[]`).
 */
export type ParseResult =
  | { ok: true; items: unknown[]; isPing: boolean; warnings: string[] }
  | { ok: false; reason: string };

export interface NormalizeContext {
  /** ISO 3166 alpha-2 region for numbers without a country code: source setting, else provider home. */
  defaultCountry: string;
  receivedAt: Date;
}

export type NormalizeResult = { ok: true; patch: LeadPatch } | { ok: false; reason: string };

/** How a user wires a provider to leadhook: shown by the API, the CLI and the README. */
export interface SetupGuide {
  /** What the provider's dashboard asks for, and what to paste there. */
  steps: string[];
}

export interface ProviderAdapter {
  id: ProviderId;
  displayName: string;
  /** ISO 3166 alpha-2 region used to read national phone numbers (providers.md R9). */
  homeCountry: string;
  authMethod: 'url_secret' | 'authorization_header' | 'token_header' | 'jwt_hs256';
  /**
   * Verify the request the provider's way against each of the source's accepted secrets (the current
   * one, and the previous one during a rotation's overlap). Compare secrets in constant time.
   */
  authenticate(req: InboundRequest, secrets: SourceSecrets): AuthResult;
  /** Split the request into lead items. `authPayload` is `AuthResult.payload` when there is one. */
  parse(req: InboundRequest, authPayload: unknown): ParseResult;
  /** Map one item into canonical fields and timeline items. Never fails on a bad phone or e-mail. */
  normalize(item: unknown, ctx: NormalizeContext): NormalizeResult;
  setup: SetupGuide;
}
