/**
 * The raft storage cipher hook, for real: `createCipher(dek)` seals every WAL record
 * payload and snapshot's data in an authenticated envelope (envelope.ts) and opens them
 * with a MultiDecrypter, which holds every key that may have sealed something still on
 * disk and picks one by the key id in the envelope's header. During a DEK rotation the
 * cipher seals with the new key and still opens records sealed with the old one:
 *
 *   const cipher = createCipher(keys.current);            // FileStorage.open(dir, { cipher })
 *   cipher.setKeys(km.rotateDek());                       // seal with pending, open both
 *   cipher.setKeys(km.finishDekRotation());               // the old key is gone
 *
 * `open` never returns bytes it cannot authenticate: it throws SealedDataError, and raft
 * storage reports that as corruption of the file and offset.
 */
import type { Cipher } from '../raft/storage/cipher.ts';
import { type Algorithm, keyIdHex, open, readHeader, type SealingKey, seal } from './envelope.ts';
import { SealedDataError } from './errors.ts';
import { type DekSet, sealingKey } from './keys.ts';
import type { RandomSource } from './random.ts';

/** Bound into every record's tag: a record cannot pass for a wrapped key, or back. */
const RECORD_CONTEXT = new TextEncoder().encode('shoal/raft-record/v1');

/** Opens envelopes sealed with any of its keys (swarmkit's MultiDecrypter, by key id). */
export class MultiDecrypter {
  private readonly byId = new Map<number, SealingKey[]>();

  constructor(keys: readonly Uint8Array[] = []) {
    for (const k of keys) this.add(k);
  }

  add(key: Uint8Array): void {
    const k = sealingKey(key);
    const same = this.byId.get(k.id);
    if (same?.some((s) => s.key.equals(k.key))) return;
    if (same) same.push(k);
    else this.byId.set(k.id, [k]);
  }

  /** The ids of the keys held, as 8 hex digits. */
  keyIds(): string[] {
    return [...this.byId.keys()].map(keyIdHex);
  }

  open(sealed: Uint8Array, context?: Uint8Array): Uint8Array {
    const h = readHeader(sealed);
    if (h.algorithm === 'none') throw new SealedDataError('not encrypted (a sealed envelope was expected)');
    const keys = this.byId.get(h.keyId);
    if (keys === undefined) {
      throw new SealedDataError(
        `sealed with key ${keyIdHex(h.keyId)}, which this node does not hold ` +
          `(it holds ${this.keyIds().join(', ') || 'none'})`,
      );
    }
    let last: unknown;
    for (const k of keys) {
      try {
        return open(k, sealed, context);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }
}

export interface CipherOptions {
  /** The algorithm of new envelopes (default AES-256-GCM); every known one opens. */
  algorithm?: Algorithm;
  /** Older DEKs whose records may still be on disk. */
  alsoOpenWith?: readonly Uint8Array[];
  /** Nonce source (default node:crypto). */
  random?: RandomSource;
}

export class DekCipher implements Cipher {
  private sealing: SealingKey;
  private decrypter: MultiDecrypter;
  private readonly algorithm: Algorithm;
  private readonly random: RandomSource | undefined;
  /** Envelopes sealed by this object (see "Nonces" in docs/design/encryption.md). */
  sealed = 0;

  constructor(dek: Uint8Array, opts: CipherOptions = {}) {
    this.algorithm = opts.algorithm ?? 'aes-256-gcm';
    this.random = opts.random;
    this.sealing = sealingKey(dek);
    this.decrypter = new MultiDecrypter([dek, ...(opts.alsoOpenWith ?? [])]);
  }

  seal(plain: Uint8Array): Uint8Array {
    this.sealed++;
    return seal(this.algorithm, this.sealing, plain, { context: RECORD_CONTEXT, random: this.random });
  }

  open(sealed: Uint8Array): Uint8Array {
    return this.decrypter.open(sealed, RECORD_CONTEXT);
  }

  /** Follows a KeyManager's DEKs: seal with `pending ?? current`, open with both. */
  setKeys(keys: Pick<DekSet, 'current' | 'pending'>): void {
    const seals = keys.pending ?? keys.current;
    this.sealing = sealingKey(seals);
    this.decrypter = new MultiDecrypter(keys.pending ? [keys.pending, keys.current] : [keys.current]);
  }

  /** The id of the key new records are sealed with (8 hex digits). */
  get sealingKeyId(): string {
    return keyIdHex(this.sealing.id);
  }

  /** The ids of the keys records are opened with. */
  openingKeyIds(): string[] {
    return this.decrypter.keyIds();
  }
}

/** A cipher for FileStorage sealing with `dek` (see CipherOptions for rotation). */
export function createCipher(dek: Uint8Array, opts: CipherOptions = {}): DekCipher {
  return new DekCipher(dek, opts);
}

/** A cipher following a KeyManager's DEKs (seal with `pending ?? current`, open both). */
export function cipherForKeys(
  keys: Pick<DekSet, 'current' | 'pending'>,
  opts: CipherOptions = {},
): DekCipher {
  const c = new DekCipher(keys.current, opts);
  c.setKeys(keys);
  return c;
}
