/**
 * Scale bench: the n-th lead of the fill, as the webhook request its provider would send (body,
 * headers). Every lead is unique: its own provider lead id, e-mail and phone number (a valid number
 * of the provider's home country, never one the ingest bench's Praetorian stream uses: that one
 * sends (617) 2xx-xxxx). Providers are mixed 4:3:2:1 (Praetorian, Anarock, LeadPro, CasaYes).
 */
import { createHmac } from 'node:crypto';
import type { ProviderId } from '../src/core/lead.js';

const FIRST = ['John', 'Maria', 'Priya', 'Wei', 'Fatima', 'Carlos', 'Aisha', 'Tom', 'Elena', 'Kwame', 'Rahul', 'Sofia', 'Olga', 'Hiro', 'Nadia', 'Luis'] as const;
const LAST = ['Doe', 'Garcia', 'Sharma', 'Chen', 'Khan', 'Silva', 'Okafor', 'Smith', 'Novak', 'Mensah', 'Iyer', 'Costa', 'Berg', 'Sato', 'Haddad', 'Reyes', 'Patel'] as const;
const MESSAGES = [
  'I would like information for my department',
  'Please send pricing and a demo date; call me after 3pm',
  'Interested in a 3BHK with parking, budget around 1.5 Cr',
  'When can I view this property?',
  'Hi, I am interested in this listing and would like to schedule a viewing. Thanks',
  'Looking to sell my flat within six months, please call',
] as const;
/** US area codes for Praetorian numbers (617 is left out: the ingest bench uses 617-2xx). */
const US_AREAS = ['212', '312', '415', '512', '646', '702', '801', '919'] as const;

/** Provider of lead n, mixed 4:3:2:1 over every 10 leads. */
const MIX: readonly ProviderId[] = ['praetorian', 'anarock', 'praetorian', 'leadpro', 'anarock', 'praetorian', 'casayes', 'anarock', 'leadpro', 'praetorian'];

/** Most leads the generator can make unique phone numbers for (Praetorian: 8 areas × 8M; CasaYes: 4 × 10M). */
export const MAX_FILL_LEADS = 100_000_000;

/** Bump when the generated data changes: the cached database is rebuilt. (2: sources have URL tokens, migration 0009.) */
export const FILL_DATA_VERSION = 2;

/** The fill sources: one per provider, fixed ids and secrets (the file is a throwaway bench cache). */
export const FILL_SOURCES: Record<ProviderId, { id: string; secret: string }> = {
  praetorian: { id: 'src_scalefillpraetorian', secret: 'scale-fill-praetorian-secret' },
  anarock: { id: 'src_scalefillanarock', secret: 'scale-fill-anarock-secret' },
  leadpro: { id: 'src_scalefillleadpro', secret: 'scale-fill-leadpro-secret' },
  casayes: { id: 'src_scalefillcasayes', secret: 'scale-fill-casayes-secret' },
};

export interface FillRequest {
  provider: ProviderId;
  body: Buffer;
  headers: Record<string, string>;
  receivedAt: Date;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length] as T;
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The k-th lead of `provider` (k counts that provider's leads only). */
function providerIndex(n: number): number {
  // Leads of each provider among the first n: whole groups of 10, plus the partial group.
  const provider = pick(MIX, n);
  const perGroup = MIX.filter((p) => p === provider).length;
  const inGroup = MIX.slice(0, n % 10).filter((p) => p === provider).length;
  return Math.floor(n / 10) * perGroup + inGroup;
}

/** Receipt time of lead n: the fill spreads `total` leads over the two years before `end`. */
export function receivedAt(n: number, total: number, end: number): Date {
  const span = 2 * 365 * 24 * 3600 * 1000;
  return new Date(end - span + Math.floor((n * span) / Math.max(1, total)));
}

/** E.164 phone number of lead n (what leadhook stores), and its national form as the payload carries it. */
export function fillPhone(n: number): { e164: string; national: string } {
  const provider = pick(MIX, n);
  const k = providerIndex(n);
  switch (provider) {
    case 'praetorian': {
      const area = pick(US_AREAS, k);
      const rest = Math.floor(k / US_AREAS.length); // < 8M per area: exchanges 200–999
      const exchange = 200 + Math.floor(rest / 10_000);
      const line = pad(rest % 10_000, 4);
      return { e164: `+1${area}${exchange}${line}`, national: `(${area}) ${exchange}-${line}` };
    }
    case 'anarock': {
      const d = `98${pad(k, 8)}`;
      return { e164: `+91${d}`, national: d };
    }
    case 'leadpro': {
      const d = `74${pad(k, 8)}`;
      return { e164: `+44${d}`, national: `0${d}` };
    }
    case 'casayes': {
      const d = `${pick(['91', '92', '93', '96'], Math.floor(k / 10_000_000))}${pad(k % 10_000_000, 7)}`;
      return { e164: `+351${d}`, national: d };
    }
  }
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** LeadPro's HS256 JWT whose claims are the lead (what its sender puts in Authorization). */
function leadproJwt(claims: unknown, secret: string): string {
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(claims));
  const signature = base64url(createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${head}.${body}`).digest());
  return `${head}.${body}.${signature}`;
}

/** The webhook request that carries lead n of a fill of `total` leads ending at `end` (ms). */
export function fillRequest(n: number, total: number, end: number): FillRequest {
  const provider = pick(MIX, n);
  const k = providerIndex(n);
  const at = receivedAt(n, total, end);
  const created = new Date(at.getTime() - 30_000).toISOString();
  const first = pick(FIRST, n);
  const last = pick(LAST, Math.floor(n / FIRST.length));
  const email = `${first}.${last}.${n}@example.com`.toLowerCase();
  const phone = fillPhone(n).national;
  const message = pick(MESSAGES, n);
  const json = { 'content-type': 'application/json' };
  switch (provider) {
    case 'praetorian': {
      const body = JSON.stringify([
        {
          id: `led_scale_${k}`,
          url: `https://www.example-agency.com/contact/request-a-demo/?utm_source=google&utm_campaign=scale_${n % 97}`,
          created: created.replace(/\.\d{3}Z$/, 'Z'),
          data: {
            first_name: first,
            middle_name: n % 3 === 0 ? 'James' : '',
            last_name: last,
            phone,
            position: 'Lieutenant',
            email,
            organization_name: `${pick(LAST, n + 3)} County Sheriff's Office`,
            organization_size: '101-250',
            organization_country: 'United States',
            interested_in: message,
          },
          form: 'frm_demo_request',
          site: 'ste_main',
          remote_ip: `203.0.113.${n % 250}`,
          production: true,
        },
      ]);
      return { provider, body: Buffer.from(body), headers: { ...json, authorization: FILL_SOURCES.praetorian.secret }, receivedAt: at };
    }
    case 'anarock': {
      const t = Math.floor(at.getTime() / 1000);
      const body = JSON.stringify({
        channel_name: 'agent_app',
        country_code: '+91',
        email,
        is_duplicate: false,
        lead_id: 50_000_000 + k,
        lead_status: pick(['Interested', 'Follow up', 'Site visit scheduled', 'New'], n),
        name: `${first} ${last}`,
        rating: 'Hot',
        min_budget: '10000000',
        max_budget: '20000000',
        phone,
        project_name: pick(['Skyline Residency', 'Palm Grove', 'Lakeview Towers'], n),
        source: 'google',
        sub_source: 'google_search',
        agent_email: 'rahul@anarock.com',
        notes: [{ note_type: 'text', data: message, created_at: t - 60, note_id: 700_000_000 + k }],
      });
      return { provider, body: Buffer.from(body), headers: json, receivedAt: at };
    }
    case 'leadpro': {
      const claims = {
        event: 'lead.created',
        data: {
          id: 30_000_000 + k,
          first_name: first,
          last_name: last,
          full_name: `${first} ${last}`,
          email,
          phone,
          type: pick(['vendor', 'landlord', 'buyer'], n),
          source: pick(['rightmove', 'homepage', 'zoopla'], n),
          address: `${1 + (n % 200)} Asimov Place, Starbridge`,
          postcode: 'N1 3JY',
          message,
          createdAt: created,
          office_name: 'Oxford',
          account_name: 'Skyline Estates',
        },
        iat: Math.floor(at.getTime() / 1000),
      };
      const { iat: _iat, ...payload } = claims;
      const token = leadproJwt(claims, FILL_SOURCES.leadpro.secret);
      return { provider, body: Buffer.from(JSON.stringify(payload)), headers: { ...json, authorization: `Bearer ${token}` }, receivedAt: at };
    }
    case 'casayes': {
      const body = JSON.stringify({
        CreatedDate: created,
        EntityPublicId: `E${pad(k, 10)}`,
        EntityType: 'Listing',
        LeadReference: `CY-Listing-${pad(k, 10)}`,
        Message: message,
        MonthlyIncome: 2000 + (n % 5) * 500,
        NumberResidents: 1 + (n % 4),
        HasPets: n % 2 === 0,
        SenderEmail: email,
        SenderName: `${first} ${last}`,
        SenderPhone: phone,
        Source: 'CasaYes',
      });
      return { provider, body: Buffer.from(body), headers: { ...json, token: FILL_SOURCES.casayes.secret }, receivedAt: at };
    }
  }
}
