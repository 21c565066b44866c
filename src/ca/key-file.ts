/**
 * The node key file's format (`swarm-node.key`), after swarmkit's KeyReadWriter: one PEM
 * block whose headers say how it is protected, plus any headers other subsystems keep
 * next to the key (swarmkit keeps the raft DEK there: `raft-dek`, `raft-dek-pending`).
 *
 *   unsealed                          sealed with the autolock key-encryption key (KEK)
 *   -----BEGIN PRIVATE KEY-----       -----BEGIN SEALED PRIVATE KEY-----
 *   kek-version: 0                    kek-sealed: true
 *                                     kek-version: 7
 *   <PKCS#8 DER, base64>
 *   -----END PRIVATE KEY-----         <cipher.seal(PKCS#8 DER), base64>
 *                                     -----END SEALED PRIVATE KEY-----
 *
 * The cipher is someone else's (the autolock KEK): anything with seal/open. A sealed
 * block has its own type so no tool mistakes the ciphertext for a key. Keys handed back
 * to callers are plain PKCS#8 PEM without headers, which is what node:tls accepts.
 */
import { createPrivateKey } from 'node:crypto';
import { CertificateError, TlsKeyLockedError, TlsStoreCorruptError } from './errors.ts';
import { decodePemAll, encodePem } from './pem.ts';

/** Seals and opens the key file's bytes (the autolock KEK). */
export interface KeyCipher {
  /** The KEK's version, recorded in the `kek-version` header (default 0). */
  readonly version?: number;
  seal(plain: Uint8Array): Uint8Array | Promise<Uint8Array>;
  open(sealed: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export const KEK_VERSION_HEADER = 'kek-version';
export const SEALED_HEADER = 'kek-sealed';
export const SEALED_KEY_TYPE = 'SEALED PRIVATE KEY';
const OURS = new Set([KEK_VERSION_HEADER, SEALED_HEADER]);

/** Docker's message when a locked swarm is used (moby ErrSwarmLocked). */
export const SWARM_LOCKED_MESSAGE =
  'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.';

export interface KeyFileContents {
  /** The private key, PKCS#8 PEM, no headers. */
  keyPem: string;
  /** Headers other than ours (`kek-version`, `kek-sealed`). */
  headers: Record<string, string>;
  kekVersion: number;
  sealed: boolean;
}

/** A private key PEM (PKCS#8 or SEC1, headers ignored) as PKCS#8 DER. */
export function pkcs8Der(keyPem: string): Uint8Array {
  const block = decodePemAll(keyPem).find((b) => b.type === 'PRIVATE KEY' || b.type === 'EC PRIVATE KEY');
  if (block === undefined) throw new CertificateError('invalid PEM-encoded private key');
  try {
    const key =
      block.type === 'PRIVATE KEY'
        ? createPrivateKey({ key: Buffer.from(block.bytes), format: 'der', type: 'pkcs8' })
        : createPrivateKey({ key: Buffer.from(block.bytes), format: 'der', type: 'sec1' });
    return new Uint8Array(key.export({ type: 'pkcs8', format: 'der' }));
  } catch (e) {
    throw new CertificateError('invalid PEM-encoded private key', 'invalid_argument', { cause: e });
  }
}

export async function encodeKeyFile(
  keyPem: string,
  cipher: KeyCipher | null,
  headers: Record<string, string> = {},
): Promise<string> {
  const der = pkcs8Der(keyPem);
  const extra = Object.fromEntries(Object.entries(headers).filter(([k]) => !OURS.has(k)));
  if (cipher === null) return encodePem('PRIVATE KEY', der, { ...extra, [KEK_VERSION_HEADER]: '0' });
  const sealed = await cipher.seal(der);
  return encodePem(SEALED_KEY_TYPE, sealed, {
    ...extra,
    [SEALED_HEADER]: 'true',
    [KEK_VERSION_HEADER]: String(cipher.version ?? 0),
  });
}

export async function decodeKeyFile(text: string, cipher: KeyCipher | null): Promise<KeyFileContents> {
  let blocks: ReturnType<typeof decodePemAll>;
  try {
    blocks = decodePemAll(text);
  } catch (e) {
    throw new TlsStoreCorruptError('invalid PEM-encoded private key', { cause: e });
  }
  const block = blocks[0];
  if (block === undefined) throw new TlsStoreCorruptError('invalid PEM-encoded private key');
  const headers = Object.fromEntries(Object.entries(block.headers).filter(([k]) => !OURS.has(k)));
  const kekVersion = Number.parseInt(block.headers[KEK_VERSION_HEADER] ?? '0', 10) || 0;
  const sealed = block.type === SEALED_KEY_TYPE || block.headers[SEALED_HEADER] === 'true';
  let der: Uint8Array = block.bytes;
  if (sealed) {
    if (cipher === null) throw new TlsKeyLockedError(SWARM_LOCKED_MESSAGE);
    try {
      der = await cipher.open(block.bytes);
    } catch (e) {
      throw new TlsKeyLockedError('swarm could not be unlocked: invalid key provided', { cause: e });
    }
  }
  let keyPem: string;
  try {
    keyPem = encodePem('PRIVATE KEY', pkcs8Der(encodePem(sealed ? 'PRIVATE KEY' : block.type, der)));
  } catch (e) {
    if (sealed)
      throw new TlsKeyLockedError('swarm could not be unlocked: invalid key provided', { cause: e });
    throw new TlsStoreCorruptError('invalid PEM-encoded private key', { cause: e });
  }
  return { keyPem, headers, kekVersion, sealed };
}
