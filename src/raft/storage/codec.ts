/**
 * Compact binary encoding of the Raft vocabulary the storage persists: Entry, HardState,
 * ConfState and SnapshotMeta. Big-endian, fixed-width numbers (u64 for indexes and terms,
 * kept within Number.MAX_SAFE_INTEGER), strings as u16 length + UTF-8, byte arrays as u32
 * length + bytes. The WAL (record.ts) and the snapshot files (snapfile.ts) build on it.
 *
 * Decoding damaged bytes throws CorruptionError; the callers add the file name and offset.
 */
import type { ConfState, Entry, EntryType, HardState, SnapshotMeta } from '../core/types.ts';
import { CorruptionError } from './storage.ts';

const TWO_32 = 0x1_0000_0000;
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf'];

/** Appends fields to a growing buffer. */
export class Writer {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 64) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private reserve(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.byteLength) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.byteLength * 2, at + n));
      this.buf.copy(next, 0, 0, at);
      this.buf = next;
      this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.pos = at + n;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.view.setUint16(at, v);
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.view.setUint32(at, v);
    return this;
  }

  /** A non-negative safe integer as 8 bytes. */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a u64 safe integer: ${v}`);
    const at = this.reserve(8);
    this.view.setUint32(at, Math.floor(v / TWO_32));
    this.view.setUint32(at + 4, v >>> 0);
    return this;
  }

  str(s: string): this {
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0xffff) throw new RangeError(`string too long to encode (${len} bytes)`);
    this.u16(len);
    const at = this.reserve(len); // before reading this.buf: reserve() may replace it
    this.buf.write(s, at, 'utf8');
    return this;
  }

  bytes(b: Uint8Array): this {
    this.u32(b.byteLength);
    const at = this.reserve(b.byteLength);
    this.buf.set(b, at);
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads fields back; every read is bounds-checked and throws CorruptionError when short. */
export class Reader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly src: Uint8Array) {
    this.view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  }

  private take(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.src.byteLength) {
      throw new CorruptionError(
        `truncated ${what}: need ${n} bytes at offset ${at} of ${this.src.byteLength}`,
      );
    }
    this.pos = at + n;
    return at;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.pos;
  }

  u8(what = 'u8'): number {
    return this.view.getUint8(this.take(1, what));
  }

  u16(what = 'u16'): number {
    return this.view.getUint16(this.take(2, what));
  }

  u32(what = 'u32'): number {
    return this.view.getUint32(this.take(4, what));
  }

  u64(what = 'u64'): number {
    const at = this.take(8, what);
    const v = this.view.getUint32(at) * TWO_32 + this.view.getUint32(at + 4);
    if (!Number.isSafeInteger(v)) throw new CorruptionError(`${what} out of the safe integer range`);
    return v;
  }

  str(what = 'string'): string {
    const len = this.u16(what);
    const at = this.take(len, what);
    return Buffer.from(this.src.buffer, this.src.byteOffset + at, len).toString('utf8');
  }

  /** A copy (a plain Uint8Array that does not pin the source buffer). */
  bytes(what = 'bytes'): Uint8Array {
    const len = this.u32(what);
    const at = this.take(len, what);
    const out = new Uint8Array(len);
    out.set(this.src.subarray(at, at + len));
    return out;
  }

  /** Throws unless every byte was consumed (trailing bytes mean a format mismatch). */
  end(what: string): void {
    if (this.pos !== this.src.byteLength) {
      throw new CorruptionError(`${what}: ${this.src.byteLength - this.pos} unexpected trailing bytes`);
    }
  }
}

export function writeEntry(w: Writer, e: Entry): Writer {
  return w
    .u64(e.term)
    .u64(e.index)
    .u8(e.type === 'conf' ? 1 : 0)
    .bytes(e.data);
}

export function readEntry(r: Reader): Entry {
  const term = r.u64('entry term');
  const index = r.u64('entry index');
  const t = r.u8('entry type');
  const type = ENTRY_TYPES[t];
  if (type === undefined) throw new CorruptionError(`unknown entry type ${t}`);
  return { term, index, type, data: r.bytes('entry data') };
}

export function writeHardState(w: Writer, hs: HardState): Writer {
  return w.u64(hs.term).str(hs.vote).u64(hs.commit);
}

export function readHardState(r: Reader): HardState {
  return {
    term: r.u64('hard state term'),
    vote: r.str('hard state vote'),
    commit: r.u64('hard state commit'),
  };
}

function writeIds(w: Writer, ids: readonly string[]): void {
  if (ids.length > 0xffff) throw new RangeError(`too many members to encode (${ids.length})`);
  w.u16(ids.length);
  for (const id of ids) w.str(id);
}

function readIds(r: Reader, what: string): string[] {
  const n = r.u16(what);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(r.str(what));
  return ids;
}

export function writeConfState(w: Writer, cs: ConfState): Writer {
  writeIds(w, cs.voters);
  writeIds(w, cs.learners);
  return w;
}

export function readConfState(r: Reader): ConfState {
  return { voters: readIds(r, 'voters'), learners: readIds(r, 'learners') };
}

export function writeSnapshotMeta(w: Writer, m: SnapshotMeta): Writer {
  return writeConfState(w.u64(m.index).u64(m.term), m.conf);
}

export function readSnapshotMeta(r: Reader): SnapshotMeta {
  const index = r.u64('snapshot index');
  const term = r.u64('snapshot term');
  return { index, term, conf: readConfState(r) };
}

/** Encodes one value with `write` into a fresh, exactly sized Uint8Array. */
export function encode<T>(write: (w: Writer, v: T) => unknown, v: T): Uint8Array {
  const w = new Writer();
  write(w, v);
  return new Uint8Array(w.finish());
}

/** Decodes one value that must fill `bytes` exactly. */
export function decode<T>(read: (r: Reader) => T, bytes: Uint8Array, what: string): T {
  const r = new Reader(bytes);
  const v = read(r);
  r.end(what);
  return v;
}
