/**
 * Snapshot files: `<term 16 hex>-<index 16 hex>.snap` in the snap directory, one whole
 * snapshot each. Age is index order (a storage only ever moves its snapshot forward).
 *
 *   +--------+----+-----------------------+---------+---------------+---------+
 *   | "SHSN" | v1 | meta (index,term,conf)| u64 len | data (sealed) | u32 crc |
 *   +--------+----+-----------------------+---------+---------------+---------+
 *   crc = CRC32 of every byte before it
 *
 * A file is written as `<name>.tmp`, fsynced, renamed into place, then the directory is
 * fsynced: a crash leaves either no file or a complete one, plus maybe a temp file that
 * the next open deletes. Which snapshot is current is decided by the WAL's snapshot
 * marker (see file.ts), not by this directory alone.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { type Logger, nullLogger } from '../../base/logger.ts';
import type { Snapshot, SnapshotMeta } from '../core/types.ts';
import { type Cipher, identityCipher } from './cipher.ts';
import { Reader, readSnapshotMeta, Writer, writeSnapshotMeta } from './codec.ts';
import { ensureDir, fsyncDir, hex16, parseHex16 } from './files.ts';
import { CorruptionError } from './storage.ts';

const MAGIC = 0x5348534e; // "SHSN"
const VERSION = 1;
const NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export interface SnapFileName {
  name: string;
  term: number;
  index: number;
}

export interface SnapDirOptions {
  cipher?: Cipher;
  logger?: Logger;
}

export function snapFileName(term: number, index: number): string {
  return `${hex16(term)}-${hex16(index)}.snap`;
}

export class SnapDir {
  private readonly cipher: Cipher;
  private readonly logger: Logger;

  /** Opens `dir` (creating it), deleting temp files a crash left behind. */
  constructor(
    readonly dir: string,
    opts: SnapDirOptions = {},
  ) {
    this.cipher = opts.cipher ?? identityCipher;
    this.logger = (opts.logger ?? nullLogger).child({ component: 'snap' });
    ensureDir(dir);
    const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
    for (const t of temps) {
      this.logger.warn({ file: t }, 'snap: removing an unfinished snapshot file');
      rmSync(join(dir, t));
    }
    if (temps.length > 0) fsyncDir(dir);
  }

  /** The snapshot files, oldest (lowest index) first. */
  list(): SnapFileName[] {
    const out: SnapFileName[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = NAME.exec(name);
      const term = m && parseHex16(m[1]!);
      const index = m && parseHex16(m[2]!);
      if (term != null && index != null) out.push({ name, term, index });
    }
    return out.sort((a, b) => a.index - b.index || a.term - b.term);
  }

  /** Writes a snapshot durably; returns its file name. */
  save(snap: Snapshot): string {
    const name = snapFileName(snap.meta.term, snap.meta.index);
    const tmp = join(this.dir, `${name}.tmp`);
    const sealed = this.cipher.seal(snap.data);
    const head = Buffer.from(
      writeSnapshotMeta(new Writer().u32(MAGIC).u8(VERSION), snap.meta).u64(sealed.byteLength).finish(),
    );
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(sealed, crc32(head)));
    const fd = openSync(tmp, 'w');
    try {
      for (const part of [head, sealed, tail]) {
        let done = 0;
        while (done < part.byteLength) done += writeSync(fd, part, done, part.byteLength - done);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, name));
    fsyncDir(this.dir);
    return name;
  }

  /** Reads and verifies one snapshot file; throws CorruptionError if it is damaged. */
  read(name: string): Snapshot {
    const buf = readFileSync(join(this.dir, name));
    const fail = (why: string) => new CorruptionError(`snap: ${name}: ${why}`);
    if (buf.byteLength < 4) throw fail('too short');
    const body = buf.subarray(0, buf.byteLength - 4);
    if (crc32(body) !== buf.readUInt32BE(buf.byteLength - 4)) throw fail('CRC mismatch');
    const r = new Reader(body);
    let meta: SnapshotMeta;
    let len: number;
    try {
      if (r.u32('magic') !== MAGIC) throw fail('not a snapshot file');
      const v = r.u8('version');
      if (v !== VERSION) throw fail(`unsupported version ${v}`);
      meta = readSnapshotMeta(r);
      len = r.u64('data length');
    } catch (e) {
      throw e instanceof CorruptionError && !e.message.startsWith('snap:') ? fail(e.message) : e;
    }
    if (r.offset + len !== body.byteLength) throw fail('data length disagrees with the file size');
    if (name !== snapFileName(meta.term, meta.index)) throw fail(`holds snapshot ${meta.term}-${meta.index}`);
    let data: Uint8Array;
    try {
      data = this.cipher.open(body.subarray(r.offset));
    } catch (e) {
      throw fail(`data cannot be opened (wrong key?): ${(e as Error).message}`);
    }
    return { meta, data: new Uint8Array(data) };
  }

  /** The newest snapshot that reads back intact and passes `accept`; damaged ones are logged. */
  loadNewest(accept: (f: SnapFileName) => boolean = () => true): Snapshot | null {
    const files = this.list().filter(accept);
    for (let i = files.length - 1; i >= 0; i--) {
      try {
        return this.read(files[i]!.name);
      } catch (e) {
        if (!(e instanceof CorruptionError)) throw e;
        this.logger.warn({ file: files[i]!.name, err: e.message }, 'snap: skipping a damaged snapshot file');
      }
    }
    return null;
  }

  /** Removes the given files (then syncs the directory). */
  remove(names: readonly string[]): void {
    if (names.length === 0) return;
    for (const n of names) rmSync(join(this.dir, n));
    fsyncDir(this.dir);
  }

  /** Keeps the newest `keep` files, removes the older ones; returns the removed names. */
  purge(keep = 2): string[] {
    const files = this.list();
    const old = files.slice(0, Math.max(0, files.length - keep)).map((f) => f.name);
    this.remove(old);
    return old;
  }
}
