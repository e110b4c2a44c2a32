/** One ajv error as Fastify attaches it to FST_ERR_VALIDATION (`error.validation[0]`). */
export interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** What a request carries, by Fastify's validation context name. */
export interface RequestParts {
  body?: unknown;
  query?: unknown;
  params?: unknown;
  headers?: unknown;
  /** The route's schemas, by context (`body`, `querystring`…). */
  schema?: Record<string, unknown> | undefined;
}

/** A validation failure in the user's words, with `details` for programs. */
export interface ValidationMessage {
  message: string;
  details: { field: string; location: string; allowed?: readonly unknown[] };
}

/** Longest quoted value in a message: a value is from the client, shown only as a hint. */
const MAX_SHOWN = 60;

const PART_OF: Record<string, keyof RequestParts> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };
const LOCATION: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * The first schema violation of a request as a sentence: which field, what was wrong, the allowed
 * values, and what was sent:
 * `events[0] must be one of lead.created, lead.updated, lead.stage_changed, lead.erased (got "lead.create")`.
 * Cost is bounded by the path's length and the schema's size, never by the value's.
 */
export function describeValidation(error: AjvError, context: string, request: RequestParts): ValidationMessage {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const location = LOCATION[context] ?? context;
  const part = PART_OF[context];
  const root = part === undefined ? undefined : request[part];
  const value = valueAt(root, segments);
  const schema = schemaAt(request.schema?.[context], segments);
  const got = value === undefined ? '' : ` (got ${shown(value)})`;
  const p = error.params;
  switch (error.keyword) {
    case 'enum': {
      const allowed = Array.isArray(p['allowedValues']) ? (p['allowedValues'] as unknown[]) : [];
      const field = fieldName(segments, location);
      return { message: `${field} must be one of ${allowed.map(String).join(', ')}${got}`, details: { field, location, allowed } };
    }
    case 'required': {
      const field = fieldName([...segments, String(p['missingProperty'])], location);
      return { message: `${field} is required`, details: { field, location } };
    }
    case 'additionalProperties': {
      const field = fieldName([...segments, String(p['additionalProperty'])], location);
      const allowed = propertyNames(schema);
      const hint = allowed.length > 0 ? `; known fields: ${allowed.join(', ')}` : '';
      return { message: `${field} is not a known field${hint}`, details: { field, location, allowed } };
    }
    case 'type': {
      const field = fieldName(segments, location);
      return { message: `${field} must be ${article(String(p['type']))}${got}`, details: { field, location } };
    }
    case 'format': {
      const field = fieldName(segments, location);
      const example = p['format'] === 'date-time' ? ' such as 2026-12-01T09:30:00Z' : p['format'] === 'date' ? ' such as 2026-12-01' : '';
      return { message: `${field} must be a ${String(p['format'])}${example}${got}`, details: { field, location } };
    }
    default: {
      const field = fieldName(segments, location);
      return { message: `${field} ${error.message ?? 'is invalid'}${got}`, details: { field, location } };
    }
  }
}

/**
 * `['events', '0']` → `events[0]`; the root of a part is named by the part (`body`). A key that is
 * not a plain name (it comes from the client: any length, any characters) is shown quoted and cut:
 * `["a b"]`, so the message stays one short line.
 */
function fieldName(segments: readonly string[], location: string): string {
  if (segments.length === 0) return location;
  return segments
    .map((s, i) => {
      if (/^\d{1,9}$/.test(s)) return `[${s}]`;
      if (/^[A-Za-z_$][\w$-]{0,63}$/.test(s)) return i === 0 ? s : `.${s}`;
      return `[${shown(s)}]`;
    })
    .join('');
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

/** The sub-schema at a data path, through `properties` and `items` only (enough for our routes). */
function schemaAt(schema: unknown, segments: readonly string[]): unknown {
  let s = schema;
  for (const seg of segments) {
    if (s === null || typeof s !== 'object') return undefined;
    const o = s as { properties?: Record<string, unknown>; items?: unknown };
    s = /^\d+$/.test(seg) && o.items !== undefined ? o.items : o.properties?.[seg];
  }
  return s;
}

function propertyNames(schema: unknown): string[] {
  const props = (schema as { properties?: unknown } | undefined)?.properties;
  return props !== null && typeof props === 'object' ? Object.keys(props) : [];
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function shown(value: unknown): string {
  let text: string;
  try {
    if (typeof value === 'string') text = JSON.stringify(value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) : value);
    else text = typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  const cut = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
  // JSON leaves C1 controls, bidi and other format characters as they are: escaped too, so a quoted value stays inert.
  return cut.replace(INVISIBLE, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

/** Control, format, separator and lone surrogate characters (what src/cli/format.ts printable() escapes). */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;
