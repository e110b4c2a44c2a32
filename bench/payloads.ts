/**
 * Webhook bodies for the ingest bench: one fresh, unique lead per request, built from a counter so
 * that leadhook really inserts a lead (no idempotent replays) and both servers see the same stream.
 */

const FIRST = ['John', 'Maria', 'Priya', 'Wei', 'Fatima', 'Carlos', 'Aisha', 'Tom', 'Elena', 'Kwame'] as const;
const LAST = ['Doe', 'Garcia', 'Sharma', 'Chen', 'Khan', 'Silva', 'Okafor', 'Smith', 'Novak', 'Mensah'] as const;
const US_STATES = ['Georgia', 'Alabama', 'Texas', 'Ohio', 'Oregon', 'Nevada', 'Iowa', 'Maine'] as const;
const INTERESTS = [
  'I would like information for my department',
  'Please send pricing for 25 officers and a demo date',
  'Interested in the annual plan; call me after 3pm',
] as const;
const ANAROCK_FIRST_ID = 10_000_000;
const ANAROCK_STATUS = ['Interested', 'Follow up', 'Site visit scheduled', 'New'] as const;

/** The payload families the bench can send. */
export type PayloadKind = 'praetorian' | 'anarock';

export interface PayloadSpec {
  kind: PayloadKind;
  /** Label for the report header. */
  label: string;
  /** Body of the n-th request (n ≥ 0, unique across the whole run). */
  body(n: number): string;
  /** The provider's lead id inside `body(n)`, as leadhook stores it (`leads.provider_lead_id`). */
  leadId(n: number): string;
  /** Headers leadhook needs for this provider, given the source secret. */
  headers(secret: string): Record<string, string>;
}

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}

/** 7 digits that vary with n, for a valid-looking US or Indian subscriber number. */
function digits(n: number, width: number): string {
  return String((n * 7919) % 10 ** width).padStart(width, '0');
}

/** A Praetorian draft-format batch holding one lead (`[{ id: "led_…", … }]`), ~680 bytes. */
export function praetorianBody(n: number): string {
  const first = pick(FIRST, n);
  const last = pick(LAST, Math.floor(n / FIRST.length));
  const d = digits(n, 7);
  const lead = {
    id: `led_bench_${n}`,
    url: `https://www.example-agency.com/contact/request-a-demo/?utm_source=google&utm_campaign=bench_${n % 97}`,
    created: new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString().replace('.000Z', 'Z'),
    data: {
      first_name: first,
      middle_name: n % 3 === 0 ? 'James' : '',
      last_name: last,
      phone: `(617) 2${d.slice(0, 2)}-${d.slice(2, 6)}`,
      position: 'Lieutenant',
      email: `${first}.${last}.${n}@example.com`.toLowerCase(),
      state: pick(US_STATES, n),
      organization_name: `${pick(LAST, n + 3)} County Sheriff's Office`,
      organization_size: '101-250',
      organization_country: 'United States',
      organization_state: pick(US_STATES, n + 1),
      organization_city: 'Montgomery',
      interested_in: pick(INTERESTS, n),
    },
    form: 'frm_demo_request',
    site: 'ste_main',
    remote_ip: `203.0.113.${n % 250}`,
    production: true,
  };
  return JSON.stringify([lead]);
}

/** An Anarock callback snapshot (v2018 shape) with a unique integer `lead_id`, ~900 bytes. */
export function anarockBody(n: number): string {
  const d = digits(n, 7);
  const t = 1540967316 + n;
  return JSON.stringify({
    channel_name: 'agent_app',
    country_code: '+91',
    email: `buyer${n}@example.in`,
    is_duplicate: false,
    lead_id: ANAROCK_FIRST_ID + n,
    lead_status: pick(ANAROCK_STATUS, n),
    name: `${pick(FIRST, n)} ${pick(LAST, n + 1)}`,
    rating: 'Hot',
    min_budget: '10000000',
    max_budget: '20000000',
    phone: `+91981${d}`,
    placement: 'placement',
    project_name: 'Internal Test Project',
    source: 'google',
    sub_source: 'google_search',
    agent_email: 'rahul@anarock.com',
    latest_event_details: { event_id: 552654 + n, start_time: t + 900, end_time: t + 1200, event_type: 'followup' },
    notes: [{ note_type: 'text', data: 'Wants a site visit', created_at: t, note_id: 357202 + n }],
    calls: [
      {
        updated_at: t + 730,
        to: `+91981${d}`,
        start_time: t + 641,
        stage: 'connected',
        sid: `bench${n}`,
        second_leg_status: 'completed',
        inserted_at: t + 730,
        id: 886672 + n,
        from: '+919833591953',
        first_leg_status: 'completed',
        end_time: t + 667,
        duration_in_sec: 26,
      },
    ],
  });
}

export const PAYLOADS: Record<PayloadKind, PayloadSpec> = {
  praetorian: {
    kind: 'praetorian',
    label: 'Praetorian single-lead bodies',
    body: praetorianBody,
    leadId: (n) => `led_bench_${n}`,
    // Praetorian sends the bare secret as the Authorization value (src/providers/praetorian/authenticate.ts).
    headers: (secret) => ({ 'content-type': 'application/json', authorization: secret }),
  },
  anarock: {
    kind: 'anarock',
    label: 'Anarock snapshot bodies',
    body: anarockBody,
    leadId: (n) => String(ANAROCK_FIRST_ID + n),
    // Anarock sends no credential: the per-source URL is the credential.
    headers: () => ({ 'content-type': 'application/json' }),
  },
};
