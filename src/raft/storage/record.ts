/**
 * WAL records: what they mean (the payloads) and how they are framed on disk.
 *
 *   +----------+----------+------+-------------------+
 *   | u32 len  | u32 crc  | u8 t | payload (len)     |   crc = CRC32(t + payload)
 *   +----------+----------+------+-------------------+
 *
 * The payload is sealed with the cipher before framing, so the CRC covers the bytes as
 * stored. scanRecords() walks a buffer and, at the first record that is incomplete or
 * fails its CRC, reports whether any valid record follows it; wal.ts turns that into the
 * torn-tail-or-corruption decision.
 */
import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../core/types.ts';
import type { Cipher } from './cipher.ts';
import {
  decode,
  type Reader,
  readEntry,
  readHardState,
  Writer,
  writeEntry,
  writeHardState,
} from './codec.ts';
import type { LogPoint } from './log.ts';
import { CorruptionError } from './storage.ts';

export const RECORD_HEADER_BYTES = 9;

const TYPE = { entry: 1, hardState: 2, snapshot: 3, segment: 4 } as const;
const KNOWN_TYPES = new Set<number>(Object.values(TYPE));

/** Written when a snapshot is installed or created: where the log now starts. */
export interface SnapshotMarker {
  snap: LogPoint;
  compact: LogPoint;
  dropLog: boolean;
}

/**
 * The first record of every segment: the state replay has reached when the segment
 * starts (followed by the current hard state). Replay may begin at any segment.
 */
export interface SegmentHeader {
  seq: number;
  snap: LogPoint;
  compact: LogPoint;
  lastIndex: number;
}

export type WalRecord =
  | { type: 'entry'; entry: Entry }
  | { type: 'hardState'; hardState: HardState }
  | { type: 'snapshot'; marker: SnapshotMarker }
  | { type: 'segment'; header: SegmentHeader };

function writePoint(w: Writer, p: LogPoint): Writer {
  return w.u64(p.index).u64(p.term);
}

function readPoint(r: Reader, what: string): LogPoint {
  return { index: r.u64(`${what} index`), term: r.u64(`${what} term`) };
}

function encodePayload(rec: WalRecord): Uint8Array {
  const w = new Writer(rec.type === 'entry' ? rec.entry.data.byteLength + 24 : 64);
  switch (rec.type) {
    case 'entry':
      return writeEntry(w, rec.entry).finish();
    case 'hardState':
      return writeHardState(w, rec.hardState).finish();
    case 'snapshot':
      writePoint(writePoint(w, rec.marker.snap), rec.marker.compact);
      return w.u8(rec.marker.dropLog ? 1 : 0).finish();
    case 'segment':
      writePoint(writePoint(w.u64(rec.header.seq), rec.header.snap), rec.header.compact);
      return w.u64(rec.header.lastIndex).finish();
  }
}

/** Frames records into one buffer, ready for a single write. */
export function encodeRecords(records: readonly WalRecord[], cipher: Cipher): Buffer {
  const payloads = records.map((r) => cipher.seal(encodePayload(r)));
  let total = 0;
  for (const p of payloads) total += RECORD_HEADER_BYTES + p.byteLength;
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < records.length; i++) {
    const p = payloads[i]!;
    buf.writeUInt32BE(p.byteLength, off);
    buf[off + 8] = TYPE[records[i]!.type];
    buf.set(p, off + RECORD_HEADER_BYTES);
    buf.writeUInt32BE(crc32(buf.subarray(off + 8, off + RECORD_HEADER_BYTES + p.byteLength)), off + 4);
    off += RECORD_HEADER_BYTES + p.byteLength;
  }
  return buf;
}

/** Decodes a framed record's (still sealed) payload; throws CorruptionError. */
export function decodeRecord(type: number, sealed: Uint8Array, cipher: Cipher): WalRecord {
  let payload: Uint8Array;
  try {
    payload = cipher.open(sealed);
  } catch (e) {
    throw new CorruptionError(`record payload cannot be opened (wrong key?): ${(e as Error).message}`);
  }
  switch (type) {
    case TYPE.entry:
      return { type: 'entry', entry: decode(readEntry, payload, 'entry record') };
    case TYPE.hardState:
      return { type: 'hardState', hardState: decode(readHardState, payload, 'hard state record') };
    case TYPE.snapshot:
      return {
        type: 'snapshot',
        marker: decode(
          (r) => ({
            snap: readPoint(r, 'snapshot'),
            compact: readPoint(r, 'compact'),
            dropLog: r.u8() === 1,
          }),
          payload,
          'snapshot record',
        ),
      };
    case TYPE.segment:
      return {
        type: 'segment',
        header: decode(
          (r) => ({
            seq: r.u64('segment seq'),
            snap: readPoint(r, 'snapshot'),
            compact: readPoint(r, 'compact'),
            lastIndex: r.u64('last index'),
          }),
          payload,
          'segment record',
        ),
      };
    default:
      throw new CorruptionError(`unknown record type ${type}`);
  }
}

export interface FramedRecord {
  offset: number;
  type: number;
  payload: Uint8Array;
}

export interface ScanResult {
  records: FramedRecord[];
  /** The first bad record, if any: incomplete or failing its CRC. */
  bad?: { offset: number; reason: string; validAfter: boolean };
}

/** The reason a record at `off` is bad, or null if it is complete with a matching CRC. */
function check(buf: Buffer, off: number): string | null {
  if (buf.byteLength - off < RECORD_HEADER_BYTES) return 'incomplete record header';
  const len = buf.readUInt32BE(off);
  if (off + RECORD_HEADER_BYTES + len > buf.byteLength) return `incomplete record (${len} byte payload)`;
  const crc = crc32(buf.subarray(off + 8, off + RECORD_HEADER_BYTES + len));
  return crc === buf.readUInt32BE(off + 4) ? null : 'CRC mismatch';
}

/** Whether a valid record (known type, complete, CRC matching) starts anywhere after `from`. */
function anyValidAfter(buf: Buffer, from: number): boolean {
  for (let p = from + 1; p + RECORD_HEADER_BYTES <= buf.byteLength; p++) {
    if (KNOWN_TYPES.has(buf[p + 8]!) && check(buf, p) === null) return true;
  }
  return false;
}

export function scanRecords(buf: Buffer): ScanResult {
  const records: FramedRecord[] = [];
  let off = 0;
  while (off < buf.byteLength) {
    const reason = check(buf, off);
    if (reason !== null)
      return { records, bad: { offset: off, reason, validAfter: anyValidAfter(buf, off) } };
    const len = buf.readUInt32BE(off);
    records.push({
      offset: off,
      type: buf[off + 8]!,
      payload: buf.subarray(off + RECORD_HEADER_BYTES, off + 9 + len),
    });
    off += RECORD_HEADER_BYTES + len;
  }
  return { records };
}
