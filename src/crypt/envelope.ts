/**
 * The sealed envelope: every WAL record payload, every snapshot's data and every wrapped
 * DEK is one of these. The header names the format version, the algorithm and the key, so
 * keys and algorithms can change while older envelopes stay readable.
 *
 *   0        1          2              6                18                  end-16   end
 *   +--------+----------+--------------+----------------+-------------------+--------+
 *   | ver 1  | alg      | u32 key id   | nonce (12 B)   | ciphertext        | tag 16 |
 *   +--------+----------+--------------+----------------+-------------------+--------+
 *   alg: 0 none (a DEK stored without a KEK; never accepted for records)
 *        1 AES-256-GCM   2 ChaCha20-Poly1305
 *   AAD = the 18 header bytes + a context string (what the bytes are for), so a header
 *   cannot be edited and an envelope cannot be moved to another use.
 *
 * An unencrypted envelope (alg 0) is the 6-byte header (key id 0) followed by the data.
 * The nonce is random per envelope (96 bits): keep well under 2^32 envelopes per key
 * (docs/design/encryption.md, "Nonces"). Overhead: 34 bytes per sealed envelope.
 */
import {
  type CipherGCM,
  createCipheriv,
  createDecipheriv,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import { SealedDataError } from './errors.ts';
import { cryptoRandom, type RandomSource } from './random.ts';

export const ENVELOPE_VERSION = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const PLAIN_HEADER_BYTES = 6;
export const SEALED_HEADER_BYTES = PLAIN_HEADER_BYTES + NONCE_BYTES;
export const SEALED_OVERHEAD = SEALED_HEADER_BYTES + TAG_BYTES;

export type Algorithm = 'aes-256-gcm' | 'chacha20-poly1305';

const ALG_ID: Record<Algorithm, number> = { 'aes-256-gcm': 1, 'chacha20-poly1305': 2 };
const ALG_BY_ID = new Map<number, Algorithm>([
  [1, 'aes-256-gcm'],
  [2, 'chacha20-poly1305'],
]);
export const ALG_NONE = 0;

export interface EnvelopeHeader {
  version: number;
  /** The algorithm, or 'none' for data stored as is. */
  algorithm: Algorithm | 'none';
  keyId: number;
}

/** A symmetric key with its id (see keys.ts for how the id is derived). */
export interface SealingKey {
  readonly id: number;
  readonly key: KeyObject;
}

export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** Reads the clear header; throws SealedDataError if it is not a known envelope. */
export function readHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.byteLength < PLAIN_HEADER_BYTES)
    throw new SealedDataError(`too short (${bytes.byteLength} bytes)`);
  const version = bytes[0]!;
  if (version !== ENVELOPE_VERSION) throw new SealedDataError(`unsupported envelope version ${version}`);
  const algId = bytes[1]!;
  const keyId = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
  if (algId === ALG_NONE) return { version, algorithm: 'none', keyId };
  const algorithm = ALG_BY_ID.get(algId);
  if (algorithm === undefined) throw new SealedDataError(`unknown algorithm ${algId}`);
  if (bytes.byteLength < SEALED_OVERHEAD) throw new SealedDataError(`too short (${bytes.byteLength} bytes)`);
  return { version, algorithm, keyId };
}

function writeHeader(out: Uint8Array, algId: number, keyId: number): void {
  out[0] = ENVELOPE_VERSION;
  out[1] = algId;
  out[2] = keyId >>> 24;
  out[3] = (keyId >>> 16) & 0xff;
  out[4] = (keyId >>> 8) & 0xff;
  out[5] = keyId & 0xff;
}

// The overloads of node:crypto are per algorithm literal; both AEADs share one interface.
function aeadCipher(alg: Algorithm, key: KeyObject, nonce: Uint8Array): CipherGCM {
  const o = { authTagLength: TAG_BYTES };
  return alg === 'aes-256-gcm'
    ? createCipheriv(alg, key, nonce, o)
    : (createCipheriv(alg, key, nonce, o) as never);
}

function aeadDecipher(alg: Algorithm, key: KeyObject, nonce: Uint8Array): DecipherGCM {
  const o = { authTagLength: TAG_BYTES };
  return alg === 'aes-256-gcm'
    ? createDecipheriv(alg, key, nonce, o)
    : (createDecipheriv(alg, key, nonce, o) as never);
}

function aad(header: Uint8Array, context: Uint8Array | undefined): Uint8Array {
  if (context === undefined || context.byteLength === 0) return header;
  return Buffer.concat([header, context]);
}

/** Seals `plain` with `key`: a fresh random nonce, the header authenticated with `context`. */
export function seal(
  algorithm: Algorithm,
  key: SealingKey,
  plain: Uint8Array,
  opts: { context?: Uint8Array; random?: RandomSource } = {},
): Uint8Array {
  const out = Buffer.allocUnsafe(SEALED_OVERHEAD + plain.byteLength);
  writeHeader(out, ALG_ID[algorithm], key.id);
  const nonce = out.subarray(PLAIN_HEADER_BYTES, SEALED_HEADER_BYTES);
  (opts.random ?? cryptoRandom).fill(nonce);
  const c = aeadCipher(algorithm, key.key, nonce);
  c.setAAD(aad(out.subarray(0, SEALED_HEADER_BYTES), opts.context));
  let at = SEALED_HEADER_BYTES;
  at += c.update(plain).copy(out, at);
  at += c.final().copy(out, at);
  c.getAuthTag().copy(out, at);
  return out;
}

/**
 * Opens a sealed envelope with `key` (whose id must match the header's: the caller picks
 * the key). Throws SealedDataError when the tag does not verify: a flipped bit anywhere
 * in the envelope, a wrong key or a wrong context all end here, never in garbage.
 */
export function open(key: SealingKey, sealed: Uint8Array, context?: Uint8Array): Uint8Array {
  const h = readHeader(sealed);
  if (h.algorithm === 'none') throw new SealedDataError('not encrypted');
  const nonce = sealed.subarray(PLAIN_HEADER_BYTES, SEALED_HEADER_BYTES);
  const body = sealed.subarray(SEALED_HEADER_BYTES, sealed.byteLength - TAG_BYTES);
  const tag = sealed.subarray(sealed.byteLength - TAG_BYTES);
  try {
    const d = aeadDecipher(h.algorithm, key.key, nonce);
    d.setAAD(aad(sealed.subarray(0, SEALED_HEADER_BYTES), context));
    d.setAuthTag(tag);
    const head = d.update(body);
    const tail = d.final();
    return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
  } catch (e) {
    throw new SealedDataError(
      `authentication failed for data sealed with key ${keyIdHex(h.keyId)} (altered, or another key)`,
      { cause: e },
    );
  }
}

/** An envelope holding `data` as is (alg none): a DEK kept without a KEK. */
export function plainEnvelope(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(PLAIN_HEADER_BYTES + data.byteLength);
  writeHeader(out, ALG_NONE, 0);
  out.set(data, PLAIN_HEADER_BYTES);
  return out;
}

/** The data of an unencrypted envelope. */
export function openPlain(envelope: Uint8Array): Uint8Array {
  const h = readHeader(envelope);
  if (h.algorithm !== 'none') throw new SealedDataError('encrypted');
  return envelope.slice(PLAIN_HEADER_BYTES);
}
