/**
 * Hostile webhook bodies for the bench's hostile section: each shape fills a body of about `size`
 * bytes with what once cost far more than its size (issue 9). Built deterministically from `n` so
 * that every request is new (no idempotent replay short-cuts the work).
 */
import { praetorianBody } from './payloads.js';

/** The provider whose source a shape is sent to. */
export type HostileProvider = 'praetorian' | 'anarock';

export interface HostileShape {
  name: string;
  provider: HostileProvider;
  /** What the shape is, for the report. */
  what: string;
  /** The n-th body of about `size` bytes (never more than `size`). */
  body(n: number, size: number): Buffer;
}

/** `count` copies of `unit`, joined by commas, with as many as fit in `room` bytes. */
function repeatInto(unit: string, room: number): string {
  const count = Math.max(1, Math.floor((room + 1) / (unit.length + 1)));
  return new Array<string>(count).fill(unit).join(',');
}

/** Keys of `keyLength` characters nested `levels` deep around `inner`: a key path of levels × keyLength. */
function longPath(levels: number, keyLength: number, inner: string): string {
  const key = `"${'k'.repeat(keyLength)}":{`;
  return key.repeat(levels) + inner + '}'.repeat(levels);
}

export const HOSTILE_SHAPES: readonly HostileShape[] = [
  {
    name: 'dup-key-flood',
    provider: 'anarock',
    what: 'one key repeated under an 8 KB key path',
    body: (n, size) => {
      const head = `{"lead_id":"hostile_dup_${n}","x":{`;
      const shell = head + longPath(8, 1000, '') + '}}';
      return Buffer.from(head + longPath(8, 1000, repeatInto('"d":0', size - shell.length)) + '}}');
    },
  },
  {
    name: 'dup-key-merge',
    provider: 'anarock',
    what: 'one object key repeated, each copy adding a key (merge grows)',
    body: (n, size) => {
      const head = `{"lead_id":"hostile_merge_${n}",`;
      const parts: string[] = [];
      let length = head.length + 1;
      for (let i = 0; ; i++) {
        const part = `"x":{"k${i}":0}`;
        if (length + part.length + 1 > size) break;
        parts.push(part);
        length += part.length + 1;
      }
      return Buffer.from(`${head}${parts.join(',')}}`);
    },
  },
  {
    name: 'garbage-array',
    provider: 'praetorian',
    what: 'a batch of 0s: one garbage item per 2 bytes',
    body: (_n, size) => Buffer.from(`[${repeatInto('0', size - 2)}]`),
  },
  {
    name: 'garbage-objects',
    provider: 'praetorian',
    what: 'a batch of objects without an id',
    body: (n, size) => Buffer.from(`[${repeatInto(`{"x":${n % 10}}`, size - 2)}]`),
  },
  {
    name: 'big-integers',
    provider: 'praetorian',
    what: 'one lead holding integers past 2^53 (the slow reader)',
    body: (n, size) => {
      const head = `[{"id":"hostile_big_${n}","data":{"first_name":"Big"},"n":[`;
      return Buffer.from(`${head}${repeatInto('123456789012345678901', size - head.length - 3)}]}]`);
    },
  },
  {
    name: 'deep-nesting',
    provider: 'praetorian',
    what: 'one lead holding arrays 500 deep, repeated',
    body: (n, size) => {
      const head = `[{"id":"hostile_deep_${n}","data":{"first_name":"Deep"},"n":[`;
      const unit = `${'['.repeat(500)}${']'.repeat(500)}`;
      return Buffer.from(`${head}${repeatInto(unit, size - head.length - 3)}]}]`);
    },
  },
  {
    name: 'long-string',
    provider: 'praetorian',
    what: 'one lead whose name is one long string',
    body: (n, size) => {
      const head = `[{"id":"hostile_long_${n}","data":{"first_name":"`;
      return Buffer.from(`${head}${'x'.repeat(size - head.length - 5)}"}}]`);
    },
  },
  {
    name: 'invalid-utf8',
    provider: 'praetorian',
    what: 'one lead whose name is invalid UTF-8 bytes',
    body: (n, size) => {
      const head = Buffer.from(`[{"id":"hostile_utf8_${n}","data":{"first_name":"`);
      const tail = Buffer.from('"}}]');
      return Buffer.concat([head, Buffer.alloc(size - head.length - tail.length, 0xff), tail]);
    },
  },
  {
    name: 'minimal-leads',
    provider: 'praetorian',
    what: 'a batch of the smallest valid leads (each one is applied)',
    body: (n, size) => {
      const parts: string[] = [];
      let length = 2;
      for (let i = 0; ; i++) {
        const part = `{"id":"m${n}_${i}"}`;
        if (length + part.length + 1 > size) break;
        parts.push(part);
        length += part.length + 1;
      }
      return Buffer.from(`[${parts.join(',')}]`);
    },
  },
];

/** The normal payload the hostile shapes are compared with: one realistic Praetorian lead. */
export const BASELINE_SHAPE: HostileShape = {
  name: 'baseline',
  provider: 'praetorian',
  what: 'one realistic Praetorian lead (the ingest line payload)',
  body: (n) => Buffer.from(praetorianBody(900_000_000 + n)),
};
