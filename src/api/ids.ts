/**
 * Object ids like Docker's swarm: 128 random bits written in base 36, left-padded to 25
 * characters (e.g. `9gk5bh5m8v3w2a4m0x7n1q6pz`). Randomness is injected so the
 * simulator's ids replay with its seed.
 */
import type { Rng } from '../base/rng.ts';

export const ID_LENGTH = 25;

export function newId(rng: Rng): string {
  let n = 0n;
  for (let i = 0; i < 4; i++) n = (n << 32n) | BigInt(Math.floor(rng.next() * 4294967296));
  return n.toString(36).padStart(ID_LENGTH, '0');
}

/** True for a string that could be a full id (25 lower-case base-36 characters). */
export function isFullId(s: string): boolean {
  return s.length === ID_LENGTH && /^[0-9a-z]+$/.test(s);
}
