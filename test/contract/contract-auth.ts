import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newApiToken, newSessionSecret, secretHash } from '../../src/auth/credentials.js';
import { isSessionLive, prunableBefore, sessionMaxExpiry, shouldTouch, touchThreshold } from '../../src/auth/session-policy.js';
import { timeOrderedId } from '../../src/core/ids.js';
import type { Role } from '../../src/auth/access.js';
import type { ApiTokenRecord, SessionRecord } from '../../src/storage/auth-port.js';
import type { Store } from '../../src/storage/port.js';
import { at, unique, type MakeStore } from './inputs.js';
import { useStore } from './use-store.js';

const HOUR = 60;
const DAY = 24 * HOUR;

/** A token made as the API makes one (only its hash reaches the store). */
async function addToken(store: Store, role: Role = 'viewer', createdAt = at(0)): Promise<{ token: string; record: ApiTokenRecord }> {
  const token = newApiToken();
  const record = await store.auth.createToken({ id: timeOrderedId('tok', Date.parse(createdAt)), name: `token ${unique()}`, role, tokenHash: secretHash(token), createdAt });
  return { token, record };
}

/** A session as the API starts one, at `createdAt`. */
async function addSession(store: Store, of: ApiTokenRecord | null, createdAt = at(0)): Promise<{ secret: string; record: SessionRecord }> {
  const secret = newSessionSecret();
  const record: SessionRecord = {
    secretHash: secretHash(secret),
    tokenId: of?.id ?? null,
    adminTokenHash: of === null ? secretHash('the first-start admin token') : null,
    name: of?.name ?? 'admin',
    role: of?.role ?? 'admin',
    createdAt,
    lastSeenAt: createdAt,
    expiresAt: sessionMaxExpiry(createdAt),
  };
  await store.auth.createSession(record, prunableBefore(createdAt));
  return { secret, record };
}

/** Named API tokens and browser sessions: stored as hashes, found by hash, revoked with their sessions. */
export function authContract(makeStore: MakeStore): void {
  describe('tokens and sessions', () => {
    const store = useStore(makeStore);

    it('keeps a token as created, finds it by its hash only, and lists every token oldest first', async () => {
      const first = await addToken(store(), 'admin', at(1));
      const second = await addToken(store(), 'viewer', at(2));
      assert.deepEqual(first.record, { id: first.record.id, name: first.record.name, role: 'admin', tokenHash: secretHash(first.token), createdAt: at(1), lastUsedAt: null, revokedAt: null });
      assert.deepEqual(await store().auth.findTokenByHash(secretHash(second.token)), second.record);
      assert.equal(await store().auth.findTokenByHash(secretHash(`${second.token}x`)), null);
      assert.equal(await store().auth.findTokenByHash(second.token), null, 'the token itself is no key');
      const listed = await store().auth.listTokens();
      assert.deepEqual(listed.filter((t) => [first.record.id, second.record.id].includes(t.id)), [first.record, second.record]);
    });

    it('writes a last-used time only when the stored one is old enough, whichever instance tries', async () => {
      const { record } = await addToken(store());
      const byHash = async () => (await store().auth.findTokenByHash(record.tokenHash))!;
      await store().auth.touchToken(record.id, at(10), touchThreshold(at(10)));
      assert.equal((await byHash()).lastUsedAt, at(10));
      // A second instance, 30 s later, with the value it read before the first write: skipped.
      await store().auth.touchToken(record.id, at(10.5), touchThreshold(at(10.5)));
      assert.equal((await byHash()).lastUsedAt, at(10));
      assert.equal(shouldTouch(at(10), at(10.5)), false);
      assert.equal(shouldTouch(at(10), at(11)), true);
      await store().auth.touchToken(record.id, at(11), touchThreshold(at(11)));
      assert.equal((await byHash()).lastUsedAt, at(11));
    });

    it('finds a session by its secret\'s hash, with its token\'s state, and deletes it once', async () => {
      const { record: token } = await addToken(store(), 'viewer');
      const { secret, record } = await addSession(store(), token, at(20));
      const found = await store().auth.findSession(secretHash(secret));
      assert.deepEqual(found, { ...record, token: { revokedAt: null, lastUsedAt: null } });
      assert.equal(await store().auth.findSession(secret), null, 'the secret itself is no key');
      const admin = await addSession(store(), null, at(20));
      assert.deepEqual(await store().auth.findSession(admin.record.secretHash), { ...admin.record, token: null });
      assert.equal(await store().auth.deleteSession(record.secretHash), true);
      assert.equal(await store().auth.deleteSession(record.secretHash), false);
      assert.equal(await store().auth.findSession(record.secretHash), null);
    });

    it('moves a session\'s last request on at most once a minute', async () => {
      const { record } = await addSession(store(), null, at(30));
      await store().auth.touchSession(record.secretHash, at(30.5), touchThreshold(at(30.5)));
      assert.equal((await store().auth.findSession(record.secretHash))!.lastSeenAt, at(30));
      await store().auth.touchSession(record.secretHash, at(31), touchThreshold(at(31)));
      assert.equal((await store().auth.findSession(record.secretHash))!.lastSeenAt, at(31));
    });

    it('revokes a token and ends its sessions in the same step, and leaves other tokens\' sessions alone', async () => {
      const { record: doomed } = await addToken(store(), 'admin', at(40));
      const { record: kept } = await addToken(store(), 'viewer', at(40));
      const a = await addSession(store(), doomed, at(41));
      const b = await addSession(store(), doomed, at(42));
      const other = await addSession(store(), kept, at(42));
      const revoked = await store().auth.revokeToken(doomed.id, at(43));
      assert.deepEqual(revoked, { ...doomed, revokedAt: at(43) });
      assert.equal(await store().auth.findSession(a.record.secretHash), null);
      assert.equal(await store().auth.findSession(b.record.secretHash), null);
      assert.notEqual(await store().auth.findSession(other.record.secretHash), null);
      assert.deepEqual(await store().auth.revokeToken(doomed.id, at(50)), { ...doomed, revokedAt: at(43) }, 'revoking again keeps the first time');
      assert.equal(await store().auth.revokeToken('tok_unknown', at(50)), null);
      assert.equal((await store().auth.findTokenByHash(doomed.tokenHash))!.revokedAt, at(43));
    });

    it('prunes, when a session starts, the sessions that ended over a day ago, and keeps the others', async () => {
      const idle = await addSession(store(), null, at(100));
      const old = await addSession(store(), null, at(100));
      // 12 h idle + 1 day kept after: the idle one is pruned by a session starting 40 h later…
      await store().auth.touchSession(old.record.secretHash, at(100 + 6 * DAY), touchThreshold(at(100 + 6 * DAY)));
      await addSession(store(), null, at(100 + 40 * HOUR));
      assert.equal(await store().auth.findSession(idle.record.secretHash), null);
      // …the one still used lives to its absolute expiry (7 days), and is pruned a day after that.
      const oldFound = await store().auth.findSession(old.record.secretHash);
      assert.notEqual(oldFound, null);
      assert.equal(isSessionLive(oldFound!, at(100 + 6 * DAY + HOUR)), true);
      assert.equal(isSessionLive(oldFound!, at(100 + 7 * DAY)), false);
      const fresh = await addSession(store(), null, at(100 + 8 * DAY + 1));
      assert.equal(await store().auth.findSession(old.record.secretHash), null);
      assert.notEqual(await store().auth.findSession(fresh.record.secretHash), null);
    });
  });
}
