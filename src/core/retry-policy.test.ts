import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from './errors.js';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  DEFAULT_TIMEOUT_MS,
  RETRY_AFTER_CAP_MS,
  classifyResponse,
  decideAfterAttempt,
  nextAttemptDelay,
  parseRetryAfter,
  parseRetrySchedule,
} from './retry-policy.js';

const NOW = new Date('2024-03-01T12:00:00.000Z');
const MID = (): number => 0.5; // no jitter
const LOW = (): number => 0; // -20 %
const HIGH = (): number => 0.999_999; // ≈ +20 %

describe('retry policy defaults', () => {
  it('follows the Standard Webhooks schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    assert.deepEqual(DEFAULT_RETRY_SCHEDULE_MS, [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    assert.equal(parseRetrySchedule('0,5s,5m,30m,2h,5h,10h,10h').join(), DEFAULT_RETRY_SCHEDULE_MS.join());
  });

  it('retries for about a day in total', () => {
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0);
    assert.ok(total > 24 * 3_600_000 && total < 30 * 3_600_000, `${total} ms`);
  });

  it('times an attempt out after 15 s', () => {
    assert.equal(DEFAULT_TIMEOUT_MS, 15_000);
  });
});

describe('parseRetrySchedule', () => {
  it('reads seconds, milliseconds, minutes, hours and a bare 0', () => {
    assert.deepEqual(parseRetrySchedule('1s,2s,5s'), [1_000, 2_000, 5_000]);
    assert.deepEqual(parseRetrySchedule('0, 500ms , 5m,2h'), [0, 500, 300_000, 7_200_000]);
    assert.deepEqual(parseRetrySchedule('1.5s'), [1_500]);
  });

  for (const bad of ['', '   ', '5', '1s,,2s', '-1s', '5 minutes', '1d', 'soon', '1s;2s']) {
    it(`rejects ${JSON.stringify(bad)} with LH_E_CONFIG_INVALID naming the problem`, () => {
      assert.throws(
        () => parseRetrySchedule(bad),
        (err: unknown) => err instanceof HubError && err.code === 'LH_E_CONFIG_INVALID' && /retry schedule/.test(err.message),
      );
    });
  }
});

describe('classifyResponse', () => {
  it('counts every 2xx as success', () => {
    for (const s of [200, 201, 202, 204, 299]) assert.equal(classifyResponse(s), 'success');
  });

  it('disables the destination on 410 Gone', () => {
    assert.equal(classifyResponse(410), 'disable');
  });

  it('retries redirects, client and server errors, timeouts and connection failures', () => {
    for (const s of [301, 302, 400, 401, 404, 408, 429, 500, 503]) assert.equal(classifyResponse(s), 'retry');
    assert.equal(classifyResponse(null, 'timeout after 15000 ms'), 'retry');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds as milliseconds', () => {
    assert.equal(parseRetryAfter('120', NOW), 120_000);
    assert.equal(parseRetryAfter(' 0 ', NOW), 0);
  });

  it('reads an HTTP-date relative to now', () => {
    assert.equal(parseRetryAfter('Fri, 01 Mar 2024 12:05:00 GMT', NOW), 300_000);
  });

  it('answers 0 for a date in the past', () => {
    assert.equal(parseRetryAfter('Thu, 29 Feb 2024 12:00:00 GMT', NOW), 0);
  });

  it('caps a huge value at 24 hours', () => {
    assert.equal(parseRetryAfter('9999999999', NOW), RETRY_AFTER_CAP_MS);
    assert.equal(parseRetryAfter('Sat, 01 Mar 2031 00:00:00 GMT', NOW), RETRY_AFTER_CAP_MS);
  });

  it('ignores a missing or unreadable header', () => {
    for (const bad of [null, '', 'soon', '-5', '1.5', '2024-03-01']) assert.equal(parseRetryAfter(bad, NOW), null, String(bad));
  });
});

describe('nextAttemptDelay', () => {
  const schedule = [0, 10_000, 60_000];

  it('uses the entry after the attempts made so far', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 1, schedule, random: MID }), 10_000);
    assert.equal(nextAttemptDelay({ attemptNumber: 2, schedule, random: MID }), 60_000);
  });

  it('answers null once the schedule is exhausted', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 3, schedule, random: MID }), null);
    assert.equal(nextAttemptDelay({ attemptNumber: 30, schedule, random: MID }), null);
  });

  it('jitters by at most ±20 %', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 1, schedule, random: LOW }), 8_000);
    assert.equal(nextAttemptDelay({ attemptNumber: 1, schedule, random: HIGH }), 12_000);
  });

  it('keeps a zero delay at zero whatever the jitter', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 1, schedule: [0, 0], random: HIGH }), 0);
  });

  it('waits at least as long as Retry-After asks', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 1, schedule, retryAfterMs: 30_000, random: MID }), 30_000);
  });

  it('does not shorten the scheduled delay for a shorter Retry-After', () => {
    assert.equal(nextAttemptDelay({ attemptNumber: 2, schedule, retryAfterMs: 1_000, random: MID }), 60_000);
  });
});

describe('decideAfterAttempt', () => {
  const schedule = [0, 10_000, 60_000];
  const base = { schedule, now: NOW, random: MID };

  it('reports a 2xx as delivered', () => {
    assert.deepEqual(decideAfterAttempt({ ...base, attemptNumber: 1, status: 204 }), { kind: 'delivered', status: 204 });
  });

  it('disables the destination on 410 even with retries left', () => {
    assert.deepEqual(decideAfterAttempt({ ...base, attemptNumber: 1, status: 410 }), { kind: 'disable', status: 410 });
  });

  it('schedules a retry after a 500 at now + the scheduled delay', () => {
    assert.deepEqual(decideAfterAttempt({ ...base, attemptNumber: 1, status: 500 }), {
      kind: 'retry',
      after: new Date(NOW.getTime() + 10_000),
      status: 500,
    });
  });

  it('keeps the error of a timeout and carries no status', () => {
    assert.deepEqual(decideAfterAttempt({ ...base, attemptNumber: 2, status: null, error: 'timeout after 15000 ms' }), {
      kind: 'retry',
      after: new Date(NOW.getTime() + 60_000),
      error: 'timeout after 15000 ms',
    });
  });

  it('honours Retry-After on 429 and 503', () => {
    for (const status of [429, 503]) {
      const out = decideAfterAttempt({ ...base, attemptNumber: 1, status, retryAfter: '120' });
      assert.deepEqual(out, { kind: 'retry', after: new Date(NOW.getTime() + 120_000), status });
    }
  });

  it('ignores Retry-After on other statuses', () => {
    const out = decideAfterAttempt({ ...base, attemptNumber: 1, status: 500, retryAfter: '120' });
    assert.deepEqual(out, { kind: 'retry', after: new Date(NOW.getTime() + 10_000), status: 500 });
  });

  it('gives up after the last scheduled attempt, keeping status and error', () => {
    assert.deepEqual(decideAfterAttempt({ ...base, attemptNumber: 3, status: 302, error: 'redirects are not followed' }), {
      kind: 'give_up',
      status: 302,
      error: 'redirects are not followed',
    });
  });

  it('uses the default schedule when none is given', () => {
    const out = decideAfterAttempt({ attemptNumber: 1, status: 500, now: NOW, random: MID });
    assert.deepEqual(out, { kind: 'retry', after: new Date(NOW.getTime() + 5_000), status: 500 });
    assert.equal(decideAfterAttempt({ attemptNumber: 8, status: 500, now: NOW, random: MID }).kind, 'give_up');
  });
});
