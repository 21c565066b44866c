/**
 * Where key and nonce bytes come from. Keys and nonces need a cryptographic generator:
 * base's Rng (sfc32 seeded with 32 bits) is fine for timeouts and fault injection but
 * would make every key one of 2^32. So crypt takes a RandomSource: `cryptoRandom` in
 * production (node:crypto, with a small pool so a 12-byte nonce costs a copy instead of a
 * system call), `rngRandom(rng)` only for tests and the simulator, where reproducible keys
 * matter more than secret ones.
 */
import { randomFillSync } from 'node:crypto';
import type { Rng } from '../base/rng.ts';

export interface RandomSource {
  /** Fills `buf` with random bytes. */
  fill(buf: Uint8Array): void;
}

const POOL_BYTES = 4096;

/** Requests up to this size are served from the pool; larger ones go straight to the OS. */
const POOLED_MAX = 64;

class CryptoRandom implements RandomSource {
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private used = POOL_BYTES;

  fill(buf: Uint8Array): void {
    if (buf.byteLength > POOLED_MAX) {
      randomFillSync(buf);
      return;
    }
    if (this.used + buf.byteLength > POOL_BYTES) {
      randomFillSync(this.pool);
      this.used = 0;
    }
    // Every byte of the pool is handed out once, then the pool is refilled.
    buf.set(this.pool.subarray(this.used, this.used + buf.byteLength));
    this.used += buf.byteLength;
  }
}

/** The production source: node:crypto's CSPRNG. */
export const cryptoRandom: RandomSource = new CryptoRandom();

/** A reproducible source from a seeded Rng. NOT for real keys: tests and simulation only. */
export function rngRandom(rng: Rng): RandomSource {
  return {
    fill(buf) {
      for (let i = 0; i < buf.byteLength; i++) buf[i] = rng.int(0, 256);
    },
  };
}

export function randomBytes(n: number, random: RandomSource = cryptoRandom): Uint8Array {
  const out = new Uint8Array(n);
  random.fill(out);
  return out;
}
