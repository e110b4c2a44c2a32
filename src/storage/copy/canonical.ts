import { createHash, type Hash } from 'node:crypto';
import type { ColumnKind, CopiedTable } from './tables.js';

/** A value as one canonical form holds it, whichever store it was read from. */
type CanonicalValue = string | boolean | string[] | null;

/** What a SQLite value (read with safeIntegers: integers are bigint) is bound as in a PostgreSQL statement. */
export function toPgParam(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int':
      return String(value);
    case 'bool':
      return BigInt(value as bigint | number) !== 0n;
    case 'textArray':
      return parseTextArray(value);
    case 'bytes':
      return Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
    case 'text':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
}

/**
 * The canonical form of a value read from either store (SQLite: bigint integers, 0/1 booleans,
 * JSON text arrays; PostgreSQL through `pg`: numbers or decimal text, booleans, arrays, Buffers),
 * so that a row hashes the same from both sides when, and only when, it holds the same data.
 */
export function canonicalValue(kind: ColumnKind, value: unknown): CanonicalValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'int':
      return BigInt(value as string | number | bigint).toString();
    case 'bool':
      return typeof value === 'boolean' ? value : BigInt(value as bigint | number) !== 0n;
    case 'textArray':
      return Array.isArray(value) ? value.map(String) : parseTextArray(value);
    case 'bytes':
      return (Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8')).toString('base64');
    case 'text':
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
}

function parseTextArray(value: unknown): string[] {
  const parsed: unknown = JSON.parse(Buffer.isBuffer(value) ? value.toString('utf8') : String(value));
  if (!Array.isArray(parsed)) throw new Error(`expected a JSON array of strings, got ${String(value).slice(0, 80)}`);
  return parsed.map(String);
}

/**
 * A running sha256 over a table's rows in key order: each row is one line, the JSON array of its
 * columns' canonical values in the table's column order.
 */
export class TableChecksum {
  private readonly hash: Hash = createHash('sha256');
  rows = 0;

  constructor(private readonly table: CopiedTable) {}

  add(row: Record<string, unknown>): void {
    const values = this.table.columns.map((c) => canonicalValue(c.kind, row[c.name]));
    this.hash.update(`${JSON.stringify(values)}\n`);
    this.rows++;
  }

  /** The hex digest (call once, after the last row). */
  digest(): string {
    return this.hash.digest('hex');
  }
}
