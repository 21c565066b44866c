/**
 * The key file of a data directory (`<dir>/raft-dek.json`, mode 0600): the wrapped DEKs
 * and the rotation flag, nothing else. The unlock key itself is never stored here (it
 * lives in the Cluster object, inside Raft, sealed by the DEK like everything else).
 *
 *   { "format": "shoal-raft-dek/v1",
 *     "dek": "<base64 envelope>",            current DEK, plain or sealed by the KEK
 *     "pendingDek": "<base64 envelope>",     only during a DEK rotation
 *     "needsRotation": false }               another rotation must follow this one
 *
 * Writes are atomic: `<file>.tmp` created 0600, written, fsynced, renamed over the file,
 * then the directory is fsynced. A crash leaves the old file or the new one, never a mix,
 * and the DEK never sits in a file anyone else can read, not even for a moment.
 */
import {
  closeSync,
  existsSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { fsyncDir } from '../raft/storage/files.ts';
import { readHeader } from './envelope.ts';
import { KeyFileError } from './errors.ts';

export const KEY_FILE_NAME = 'raft-dek.json';
export const KEY_FILE_MODE = 0o600;
const FORMAT = 'shoal-raft-dek/v1';

export interface StoredKeys {
  /** Wrapped DEKs (wrap.ts). */
  dek: Uint8Array;
  pendingDek: Uint8Array | null;
  needsRotation: boolean;
}

/** Writes `data` to `path` atomically with `mode` (see the header). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = KEY_FILE_MODE): void {
  const dir = dirname(path);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fsyncDir(dirname(dir));
  }
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const fd = openSync(tmp, 'wx', mode);
  try {
    fchmodSync(fd, mode); // the umask may have taken bits away; make the mode exact
    let done = 0;
    while (done < buf.byteLength) done += writeSync(fd, buf, done, buf.byteLength - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function encodeKeyFile(k: StoredKeys): string {
  const out: Record<string, unknown> = { format: FORMAT, dek: b64(k.dek) };
  if (k.pendingDek) out.pendingDek = b64(k.pendingDek);
  out.needsRotation = k.needsRotation;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The stored keys, or null if there is no key file. A leftover temp file is removed. */
export function readKeyFile(path: string): StoredKeys | null {
  rmSync(`${path}.tmp`, { force: true });
  if (!existsSync(path)) return null;
  const fail = (why: string, cause?: unknown) =>
    new KeyFileError(path, why, cause === undefined ? undefined : { cause });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw fail('not valid JSON', e);
  }
  if (typeof raw !== 'object' || raw === null) throw fail('not an object');
  const o = raw as Record<string, unknown>;
  if (o.format !== FORMAT) throw fail(`unknown format ${JSON.stringify(o.format)}`);
  const env = (field: string, v: unknown): Uint8Array => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw fail(`${field} is not base64`);
    const bytes = new Uint8Array(Buffer.from(v, 'base64'));
    try {
      readHeader(bytes);
    } catch (e) {
      throw fail(`${field}: ${(e as Error).message}`, e);
    }
    return bytes;
  };
  const dek = env('dek', o.dek);
  const pendingDek = o.pendingDek === undefined ? null : env('pendingDek', o.pendingDek);
  if (typeof o.needsRotation !== 'boolean') throw fail('needsRotation is not a boolean');
  if (pendingDek) {
    const a = readHeader(dek);
    const b = readHeader(pendingDek);
    if ((a.algorithm === 'none') !== (b.algorithm === 'none') || a.keyId !== b.keyId) {
      throw fail('dek and pendingDek are not wrapped by the same KEK');
    }
  }
  return { dek, pendingDek, needsRotation: o.needsRotation };
}

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}
