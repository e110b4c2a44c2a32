import { readFileSync } from 'node:fs';

/** A provider fixture's exact bytes (`src/providers/<provider>/fixtures/<name>`). */
export function fixtureBytes(provider: string, name: string): Buffer {
  return readFileSync(new URL(`../../src/providers/${provider}/fixtures/${name}`, import.meta.url));
}

/** A provider fixture parsed with JSON.parse (duplicate keys: last wins). */
export function fixtureJson(provider: string, name: string): any {
  return JSON.parse(fixtureBytes(provider, name).toString('utf8'));
}
