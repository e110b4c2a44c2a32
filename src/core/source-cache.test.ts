import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SourceRecord } from '../storage/port.js';
import { SourceCache } from './source-cache.js';

const source = {
  id: 'src_1',
  urlToken: 'new-token',
  previousUrlToken: 'old-token',
  previousUrlTokenExpiresAt: '2026-01-02T00:00:00.000Z',
  secret: 's',
  previousSecret: null,
  previousSecretExpiresAt: null,
  deletedAt: null,
} as SourceRecord;

describe('SourceCache', () => {
  it('keeps entries forever for a single writer, until forgotten', () => {
    const cache = new SourceCache();
    cache.rememberId(source);
    cache.rememberToken('new-token', source);
    assert.equal(cache.getById('src_1'), source);
    cache.forget('src_1');
    assert.equal(cache.getById('src_1'), undefined);
    assert.equal(cache.getByToken('new-token', '2026-01-01T00:00:00.000Z'), undefined);
  });

  it('reads an entry again once older than maxAgeMs (changes made by other instances)', () => {
    let now = 0;
    const cache = new SourceCache({ maxAgeMs: 1000, clock: () => now });
    cache.rememberId(source);
    now = 999;
    assert.equal(cache.getById('src_1'), source);
    now = 1000;
    assert.equal(cache.getById('src_1'), undefined);
  });

  it('refuses a cached previous URL token once it expired, and never caches unknown ones', () => {
    const cache = new SourceCache();
    cache.rememberToken('old-token', source);
    cache.rememberToken('random', null);
    assert.equal(cache.getByToken('old-token', '2026-01-01T00:00:00.000Z'), source);
    assert.equal(cache.getByToken('old-token', '2026-01-03T00:00:00.000Z'), null);
    assert.equal(cache.getByToken('random', '2026-01-01T00:00:00.000Z'), undefined);
  });
});
