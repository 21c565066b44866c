/**
 * Which DEKs still seal something in a raft data directory: read from the clear
 * envelope headers (envelope.ts), so nothing is decrypted and no key is needed. This is
 * how the daemon knows a DEK rotation can be finished: once the old DEK's id is no longer
 * on disk, KeyManager.finishDekRotation() may drop it (docs/design/encryption.md).
 *
 *   <dir>/wal/*.wal     every framed record payload (raft/storage/record.ts)
 *   <dir>/snap/*        every snapshot file's data, .broken files included
 *
 * Read-only: unlike FileStorage.open it truncates and removes nothing. A torn tail is not
 * counted (the next open truncates it); a file that does not parse is listed as
 * "unreadable", records that are not envelopes as "unsealed".
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader, readSnapshotMeta } from '../raft/storage/codec.ts';
import { scanRecords } from '../raft/storage/record.ts';
import { listSegments } from '../raft/storage/segment.ts';
import { keyIdHex, readHeader } from './envelope.ts';
import { type DekSet, keyId } from './keys.ts';

/** Snapshot file magic ("SHSN") and version, as in raft/storage/snapfile.ts. */
const SNAP_MAGIC = 0x5348534e;
const SNAP_VERSION = 1;

/** Key id (8 hex digits, or "unsealed" / "unreadable") -> the files holding it. */
export type KeysOnDisk = Map<string, string[]>;

export function sealingKeysOnDisk(raftDir: string): KeysOnDisk {
  const found = new Map<string, Set<string>>();
  const note = (id: string, file: string) => {
    const s = found.get(id) ?? new Set<string>();
    found.set(id, s.add(file));
  };
  const idOf = (payload: Uint8Array): string => {
    try {
      const h = readHeader(payload);
      return h.algorithm === 'none' ? 'unsealed' : keyIdHex(h.keyId);
    } catch {
      return 'unsealed';
    }
  };
  const walDir = join(raftDir, 'wal');
  if (existsSync(walDir)) {
    for (const seg of listSegments(walDir)) {
      const file = `wal/${seg.name}`;
      for (const r of scanRecords(readFileSync(join(walDir, seg.name))).records) note(idOf(r.payload), file);
    }
  }
  const snapDir = join(raftDir, 'snap');
  if (existsSync(snapDir)) {
    for (const name of readdirSync(snapDir).sort()) {
      const data = snapshotData(readFileSync(join(snapDir, name)));
      note(data === null ? 'unreadable' : idOf(data), `snap/${name}`);
    }
  }
  return new Map([...found].map(([id, files]) => [id, [...files].sort()]));
}

/** A snapshot file's (sealed) data, or null if the file does not parse. */
function snapshotData(buf: Uint8Array): Uint8Array | null {
  try {
    const body = buf.subarray(0, buf.byteLength - 4);
    const r = new Reader(body);
    if (r.u32() !== SNAP_MAGIC || r.u8() !== SNAP_VERSION) return null;
    readSnapshotMeta(r);
    const len = r.u64();
    return r.offset + len === body.byteLength ? body.subarray(r.offset) : null;
  } catch {
    return null;
  }
}

/**
 * Whether the rotation under way can be finished: nothing on disk is sealed with the
 * current (outgoing) DEK any more. False when no rotation is under way.
 */
export function canFinishRotation(raftDir: string, keys: Pick<DekSet, 'current' | 'pending'>): boolean {
  if (keys.pending === null) return false;
  return !sealingKeysOnDisk(raftDir).has(keyIdHex(keyId(keys.current)));
}
