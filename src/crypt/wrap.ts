/**
 * A DEK as stored in the data directory: wrapped by the KEK when autolock is on, stored
 * as is (in a 0600 file) when it is off, like swarmkit's unencrypted case. Both forms are
 * envelopes (envelope.ts), so the header says which one a file holds: alg none means
 * "no KEK", a sealed one names the KEK's id.
 *
 *   wrapDek(dek)            -> plain envelope            unwrapDek(w)       -> dek
 *   wrapDek(dek, kek)       -> sealed with the KEK       unwrapDek(w, kek)  -> dek
 *   unwrapDek(sealed)       -> SwarmLockedError (a key is needed)
 *   unwrapDek(sealed, bad)  -> InvalidUnlockKeyError ("swarm could not be unlocked: invalid key provided")
 *   unwrapDek(altered, kek) -> SealedDataError (the KEK's id matches, the tag does not)
 */
import { type Algorithm, open, openPlain, plainEnvelope, readHeader, seal } from './envelope.ts';
import { InvalidUnlockKeyError, SealedDataError, SwarmLockedError } from './errors.ts';
import { checkKey, sealingKey } from './keys.ts';
import type { RandomSource } from './random.ts';

const WRAP_CONTEXT = new TextEncoder().encode('shoal/wrapped-dek/v1');

export interface WrapOptions {
  algorithm?: Algorithm;
  random?: RandomSource;
}

export function wrapDek(dek: Uint8Array, kek?: Uint8Array | null, opts: WrapOptions = {}): Uint8Array {
  checkKey(dek, 'DEK');
  if (!kek) return plainEnvelope(dek);
  return seal(opts.algorithm ?? 'aes-256-gcm', sealingKey(kek), dek, {
    context: WRAP_CONTEXT,
    random: opts.random,
  });
}

/** Whether a wrapped DEK needs a KEK to open (autolock was on when it was written). */
export function isSealed(wrapped: Uint8Array): boolean {
  return readHeader(wrapped).algorithm !== 'none';
}

export function unwrapDek(wrapped: Uint8Array, kek?: Uint8Array | null): Uint8Array {
  const h = readHeader(wrapped);
  let dek: Uint8Array;
  if (h.algorithm === 'none') {
    dek = openPlain(wrapped);
  } else {
    if (!kek) throw new SwarmLockedError();
    const k = sealingKey(kek);
    if (k.id !== h.keyId) throw new InvalidUnlockKeyError();
    // The right key, yet the tag fails: the bytes were altered (SealedDataError).
    dek = new Uint8Array(open(k, wrapped, WRAP_CONTEXT));
  }
  if (dek.byteLength !== 32) throw new SealedDataError(`a wrapped DEK holds ${dek.byteLength} bytes, not 32`);
  return dek;
}
