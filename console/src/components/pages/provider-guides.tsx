import type { JSX } from 'preact';
import type { ProviderId } from '../../types.js';

/**
 * What to paste where in each provider's own dashboard (from docs and providers.md §1): the webhook
 * URL always; the secret as the provider expects it, or nothing for Anarock (the URL is the secret).
 */
export interface ProviderGuide {
  /** Whether the provider is given a secret at all (Anarock sends none). */
  usesSecret: boolean;
  /** Whether the provider may hand you a secret to use instead of the generated one. */
  ownSecret: 'required' | 'optional' | 'no';
  /** Said next to the form before the source exists: what you will need. */
  before: string;
  /** What the secret is to that provider, next to the "Secret" field. */
  secretHint: string | null;
  /** The steps, once the source exists (the URL and secret are shown above them). */
  steps: () => JSX.Element[];
}

const GUIDES: Record<ProviderId, ProviderGuide> = {
  anarock: {
    usesSecret: false,
    ownSecret: 'no',
    before:
      'Anarock posts a full snapshot of a lead on every change (status, agent, note, call, site visit). It sends no credential, so the webhook URL itself is the secret: you will give it to your Anarock point of contact.',
    secretHint: null,
    steps: () => [
      <li key="1">Copy the <strong>Webhook URL</strong> above.</li>,
      <li key="2">
        Send it to your Anarock PoC (or paste it as the <em>callback URL</em> where your Anarock account offers one) and ask them to POST lead callbacks to it.
      </li>,
      <li key="3">
        There is no secret to paste: Anarock sends no credential. Keep the URL private; if it leaks, use <strong>Rotate URL</strong> and give Anarock the new one (the old one keeps working for the overlap period).
      </li>,
    ],
  },
  leadpro: {
    usesSecret: true,
    ownSecret: 'optional',
    before:
      'LeadPro signs each webhook as an HS256 JWT in the Authorization header, with a "webhook signing secret" set in its dashboard. leadhook generates that secret; if LeadPro already shows one you cannot change, paste it below.',
    secretHint: 'Paste it into LeadPro as the webhook signing secret (LeadPro signs the JWT in the Authorization header with it).',
    steps: () => [
      <li key="1">In the LeadPro dashboard, open <em>Developers</em> → <em>Webhooks</em>.</li>,
      <li key="2">Paste the <strong>Webhook URL</strong> as the webhook URL.</li>,
      <li key="3">Paste the <strong>Secret</strong> as the <em>webhook signing secret</em>, and save.</li>,
      <li key="4">LeadPro then sends <code>lead.created</code> and <code>lead.updated</code>; nothing else to configure.</li>,
    ],
  },
  casayes: {
    usesSecret: true,
    ownSecret: 'required',
    before:
      'CasaYes supplies the token it sends with each lead (in a header named "token"). Paste that token below so leadhook accepts its webhooks; without one, leadhook generates a token you must ask CasaYes to use.',
    secretHint: 'CasaYes sends this value in a header named "token" with every lead.',
    steps: () => [
      <li key="1">
        Give CasaYes the <strong>Webhook URL</strong> as your CRM's <em>leads webhook endpoint</em> (in the CasaYes integration settings, or through CasaYes support).
      </li>,
      <li key="2">
        The <strong>Secret</strong> is the token CasaYes sends in its <code>token</code> header. If you pasted CasaYes's own token when creating this source, there is nothing else to do; otherwise ask CasaYes to send this value.
      </li>,
      <li key="3">CasaYes posts each new lead once; leadhook keeps its LeadReference to drop repeats.</li>,
    ],
  },
  praetorian: {
    usesSecret: true,
    ownSecret: 'optional',
    before:
      'Praetorian (Lexipol ID) only delivers to https addresses and sends the secret you give it as the whole Authorization header value. leadhook generates the secret.',
    secretHint: 'Give it to Praetorian as the exact value of the Authorization header (no "Bearer", no scheme).',
    steps: () => [
      <li key="1">
        Make sure the <strong>Webhook URL</strong> starts with <code>https://</code> (behind your HTTPS reverse proxy, with LEADHOOK_PUBLIC_URL set): Praetorian refuses plain http.
      </li>,
      <li key="2">Ask Praetorian (sales or support) to send lead webhooks to that URL.</li>,
      <li key="3">
        Give them the <strong>Secret</strong> as the value of the <code>Authorization</code> header. leadhook answers 200; Praetorian retries anything else for about a day.
      </li>,
    ],
  },
};

/** The guide for a provider, or undefined for one the console does not know yet. */
export function guideOf(id: string): ProviderGuide | undefined {
  return (GUIDES as Record<string, ProviderGuide | undefined>)[id];
}
