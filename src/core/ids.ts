import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower-case

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

// Random bytes for time-ordered ids come from a pool: one randomFillSync per 409 ids instead of a
// randomBytes call per id (it showed up at ~7 % of ingest CPU in `npm run bench`).
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function pooledRandom(n: number): Uint8Array {
  if (poolOffset + n > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const out = POOL.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

/** `prefix_` + 10 chars of millisecond time + 16 random chars (80 bits): sorts by creation time. */
export function timeOrderedId(prefix: string, now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${time}${base32(pooledRandom(10))}`;
}

/** `prefix_` + 160 random bits: unguessable, for ids that are credentials (webhook URLs). */
export function secretId(prefix: string): string {
  return `${prefix}_${base32(randomBytes(20))}`;
}

/** A random secret for a source (256 bits, base64url). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}
