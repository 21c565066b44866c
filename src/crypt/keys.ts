/**
 * Key material as the rest of crypt handles it: 32 random bytes, turned into a SealingKey
 * (a node:crypto KeyObject plus a 32-bit key id). The id is derived from the key, with
 * HMAC-SHA256(key, "shoal/key-id/v1") truncated to 4 bytes, so it needs no registry, is
 * the same on every restart, and says nothing useful about the key. Ids only route an
 * envelope to its key: two keys sharing an id are both tried, and the tag decides.
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { SealingKey } from './envelope.ts';
import { cryptoRandom, type RandomSource, randomBytes } from './random.ts';

export const KEY_BYTES = 32;

const ID_LABEL = 'shoal/key-id/v1';

export function keyId(key: Uint8Array): number {
  return createHmac('sha256', key).update(ID_LABEL).digest().readUInt32BE(0);
}

export function sealingKey(key: Uint8Array): SealingKey {
  checkKey(key, 'key');
  return { id: keyId(key), key: createSecretKey(key) };
}

/** A new data encryption key: 32 bytes from `random` (node:crypto by default). */
export function generateDek(random: RandomSource = cryptoRandom): Uint8Array {
  return randomBytes(KEY_BYTES, random);
}

export function checkKey(key: Uint8Array, what: string): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new RangeError(`${what} must be ${KEY_BYTES} bytes, got ${key.byteLength}`);
  }
}

export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

/**
 * The DEKs of a data directory. `current` opens everything on disk and seals new records
 * unless a rotation is under way; then `pending` seals new records and `current` still
 * opens the older ones, until the daemon finishes the rotation (keymanager.ts).
 */
export interface DekSet {
  current: Uint8Array;
  pending: Uint8Array | null;
  /** Another rotation must follow the one under way (the keys were exposed meanwhile). */
  needsRotation: boolean;
}
