/**
 * The declared shape of the `event` and `lead` a destination filter sees: one list of fields per
 * object, from which come the CEL types the filter is checked against (rule-filter.ts), the check that
 * every field a filter names exists (rule-fields.ts), and the conversion of a stored event to CEL
 * values. `payload` is not declared: providers add keys.
 *
 * Each list is typed against its TypeScript interface, so a field added to {@link Lead} (or to
 * Person, Attribution, Assignee, the event's data) does not compile until it is declared here: one edit.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { Assignee, Attribution, Lead, Person } from '../core/lead.js';
import type { LeadChangeEvent, LeadErasedEvent, OutboundEvent } from '../core/lead-events.js';

/** An object type of the event or the lead: its CEL type name and its fields. */
export interface ObjectDecl {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDecl>>;
}

/**
 * How a filter sees one field. `string`, `int`, `bool`: never null. `string?`: a string or null.
 * `map`: an object whose keys are data (`extra`, `changes`), any key may be named. An object type, or
 * `{ nullable }` for an object that may be null.
 */
export type FieldDecl = 'string' | 'string?' | 'int' | 'bool' | 'list<string>' | 'map' | ObjectDecl | { readonly nullable: ObjectDecl };

/** Every field of T declared, and nothing else (`satisfies` refuses a missing or an extra name). */
type Declared<T> = { [K in keyof T]-?: FieldDecl };

const PERSON = {
  name: 'leadhook.Person',
  fields: {
    fullName: 'string?',
    firstName: 'string?',
    lastName: 'string?',
    email: 'string?',
    emailRaw: 'string?',
    phone: 'string?',
    phoneRaw: 'string?',
    otherPhones: 'list<string>',
    phoneExtension: 'string?',
  } satisfies Declared<Person>,
} as const satisfies ObjectDecl;

const ATTRIBUTION = {
  name: 'leadhook.Attribution',
  fields: {
    channel: 'string?',
    source: 'string?',
    subSource: 'string?',
    placement: 'string?',
    pageUrl: 'string?',
  } satisfies Declared<Attribution>,
} as const satisfies ObjectDecl;

const ASSIGNEE = {
  name: 'leadhook.Assignee',
  fields: { name: 'string?', email: 'string?' } satisfies Declared<Assignee>,
} as const satisfies ObjectDecl;

/** The canonical lead: the `lead` variable and `event.data.lead`. */
export const LEAD_TYPE = {
  name: 'leadhook.Lead',
  fields: {
    id: 'string',
    sourceId: 'string',
    provider: 'string',
    providerLeadId: 'string',
    stage: 'string',
    providerStatus: 'string?',
    person: PERSON,
    message: 'string?',
    attribution: ATTRIBUTION,
    firstAttribution: { nullable: ATTRIBUTION },
    assignee: { nullable: ASSIGNEE },
    providerCreatedAt: 'string?',
    firstSeenAt: 'string',
    lastEventAt: 'string',
    lastProviderUpdateAt: 'string?',
    version: 'int',
    isTest: 'bool',
    extra: 'map',
  } satisfies Declared<Lead>,
} as const satisfies ObjectDecl;

/**
 * `event.data` of every event type, one declaration: a field is there only in the types that have
 * it. previousStage only in lead.stage_changed (`has(event.data.previousStage)`); lead and changes in
 * every type but lead.erased; leadId, sourceId, provider, providerLeadId, erasedAt and requestedBy
 * (when the erasure's `by` was given) in lead.erased only, whose `lead` variable is the lead as erased.
 */
const EVENT_DATA = {
  name: 'leadhook.EventData',
  fields: {
    lead: LEAD_TYPE,
    changes: 'map',
    previousStage: 'string',
    leadId: 'string',
    sourceId: 'string',
    provider: 'string',
    providerLeadId: 'string',
    erasedAt: 'string',
    requestedBy: 'string',
  } satisfies Declared<LeadChangeEvent['data'] & LeadErasedEvent['data']>,
} as const satisfies ObjectDecl;

/** The outbound event: the `event` variable. */
export const EVENT_TYPE = {
  name: 'leadhook.Event',
  fields: { type: 'string', id: 'string', timestamp: 'string', data: EVENT_DATA } satisfies Declared<OutboundEvent>,
} as const satisfies ObjectDecl;

/** The declared variables and their types (`payload` is `dyn`). */
export const DECLARED_VARIABLES: Readonly<Record<string, ObjectDecl>> = { event: EVENT_TYPE, lead: LEAD_TYPE };

/** The object type a field holds, if it is one (nullable or not). */
export function objectOf(field: FieldDecl): ObjectDecl | null {
  if (typeof field === 'string') return null;
  return 'nullable' in field ? field.nullable : field;
}

/** The CEL type of a field. What may be null is `dyn` in CEL (it has no nullable string or object). */
function celType(field: FieldDecl): string {
  if (field === 'string?' || (typeof field !== 'string' && 'nullable' in field)) return 'dyn';
  if (field === 'map') return 'map<string, dyn>';
  return typeof field === 'string' ? field : field.name;
}

/** Every object type reachable from `root`, innermost first (CEL needs a type before its use). */
function objectTypes(root: ObjectDecl, out: ObjectDecl[] = []): ObjectDecl[] {
  for (const field of Object.values(root.fields)) {
    const inner = objectOf(field);
    if (inner !== null) objectTypes(inner, out);
  }
  if (!out.includes(root)) out.push(root);
  return out;
}

/** Register the declared object types and the `event` and `lead` variables on a CEL environment. */
export function registerDeclaredTypes(env: Environment): Environment {
  const all: ObjectDecl[] = [];
  for (const root of Object.values(DECLARED_VARIABLES)) objectTypes(root, all);
  for (const t of all) {
    env.registerType(t.name, { fields: Object.fromEntries(Object.entries(t.fields).map(([k, f]) => [k, celType(f)])) });
  }
  return env
    .registerVariable('event', EVENT_TYPE.name, { description: 'the outbound event: type, id, timestamp, data { lead, changes, previousStage } (lead.erased: data { leadId, sourceId, provider, providerLeadId, erasedAt, requestedBy })' })
    .registerVariable('lead', LEAD_TYPE.name, { description: 'the canonical lead (lead.erased: the lead as erased)' });
}

/**
 * A JSON value (a parsed stored event or lead) as CEL values of its declared type: `int` fields
 * become bigint (CEL has no int in a JS number). Keys the type does not declare are left as they are;
 * values of another type than declared are too (reading one is an error: the filter does not match).
 */
export function toCelValue(type: ObjectDecl, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, field] of Object.entries(type.fields)) {
    const v = out[key];
    if (field === 'int' && typeof v === 'number' && Number.isSafeInteger(v)) out[key] = BigInt(v);
    const inner = objectOf(field);
    if (inner !== null && v !== undefined) out[key] = toCelValue(inner, v);
  }
  return out;
}
