/**
 * WAL replay: reads the segments in order and rebuilds the hard state, the latest
 * snapshot marker and the log, with the same rules as the live storage (EntryLog).
 *
 * Torn tail vs corruption: a record that is incomplete or fails its CRC is a torn tail
 * only in the last segment and only if no valid record follows it anywhere; the file is
 * then truncated there (with a warning). Anything else is a CorruptionError naming the
 * file and offset. Bytes that pass the CRC but do not decode are corruption too.
 *
 * Replay may start at any segment (older ones are removed after snapshots): each segment
 * opens with a header giving the compaction point and last index at that moment. Entries
 * between the two live in removed segments; they are stood in for by placeholders that a
 * later compaction must cover, else the log has a hole and replay fails loudly.
 */
import { closeSync, fsyncSync, ftruncateSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../base/logger.ts';
import { type Entry, emptyHardState, type HardState } from '../core/types.ts';
import type { Cipher } from './cipher.ts';
import { fsyncDir, hex16 } from './files.ts';
import { EntryLog, type LogPoint } from './log.ts';
import { decodeRecord, type SegmentHeader, scanRecords, type WalRecord } from './record.ts';
import type { SegmentFile } from './segment.ts';
import { CorruptionError } from './storage.ts';

export interface WalState {
  hardState: HardState;
  /** The latest snapshot marker (index 0: none). */
  snap: LogPoint;
  log: EntryLog;
}

export interface ReplayResult {
  state: WalState;
  /** The segments left, oldest first (a last segment torn before its header is removed). */
  segments: SegmentFile[];
}

const PLACEHOLDER_TERM = -1;
const EMPTY = new Uint8Array(0);

function samePoint(a: LogPoint, b: LogPoint): boolean {
  return a.index === b.index && a.term === b.term;
}

class Replayer {
  private hardState = emptyHardState();
  private snap: LogPoint = { index: 0, term: 0 };
  private log: EntryLog | null = null;

  /** Applies one record; returns an error message if it is inconsistent. */
  apply(rec: WalRecord, first: boolean): string | null {
    if (first !== (rec.type === 'segment'))
      return first ? 'segment does not start with a header' : 'stray header';
    if (rec.type === 'segment') return this.header(rec.header);
    const log = this.log!;
    switch (rec.type) {
      case 'entry':
        if (rec.entry.index > log.lastIndex() + 1)
          return `entry ${rec.entry.index} leaves a gap after ${log.lastIndex()}`;
        log.append([rec.entry]);
        return null;
      case 'hardState':
        this.hardState = rec.hardState;
        return null;
      case 'snapshot':
        this.snap = rec.marker.snap;
        if (rec.marker.dropLog) log.reset(rec.marker.compact);
        else log.compactTo(rec.marker.compact);
        return null;
    }
  }

  private header(h: SegmentHeader): string | null {
    if (this.log === null) {
      const holes: Entry[] = [];
      for (let i = h.compact.index + 1; i <= h.lastIndex; i++) {
        holes.push({ term: PLACEHOLDER_TERM, index: i, type: 'normal', data: EMPTY });
      }
      this.log = new EntryLog(h.compact, holes);
      this.snap = h.snap;
      return null;
    }
    const log = this.log;
    if (
      !samePoint(h.snap, this.snap) ||
      !samePoint(h.compact, log.compact) ||
      h.lastIndex !== log.lastIndex()
    ) {
      return (
        `header (snapshot ${h.snap.index}/${h.snap.term}, compacted to ${h.compact.index}, last ${h.lastIndex}) ` +
        `disagrees with the replayed log (snapshot ${this.snap.index}/${this.snap.term}, ` +
        `compacted to ${log.compact.index}, last ${log.lastIndex()})`
      );
    }
    return null;
  }

  result(): WalState {
    const log = this.log ?? new EntryLog();
    const first = log.firstIndex();
    if (first <= log.lastIndex() && log.term(first) === PLACEHOLDER_TERM) {
      throw new CorruptionError(
        `wal: entries from ${first} on are missing after compaction point ${log.compact.index} ` +
          `(a segment was removed too early)`,
      );
    }
    return { hardState: this.hardState, snap: this.snap, log };
  }
}

/** A header must belong to the file it is in: same seq, first index = its last index + 1. */
function headerVsName(h: SegmentHeader, seg: SegmentFile): string | null {
  if (h.seq !== seg.seq) return `header of segment ${h.seq}`;
  return h.lastIndex + 1 === seg.firstIndex ? null : `header disagrees with name (last index ${h.lastIndex})`;
}

function truncateTail(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function replay(dir: string, segments: SegmentFile[], cipher: Cipher, logger: Logger): ReplayResult {
  const r = new Replayer();
  const kept = segments.slice();
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const isLast = i === segments.length - 1;
    const path = join(dir, seg.name);
    if (seg.seq !== segments[0]!.seq + i) {
      throw new CorruptionError(`wal: segment ${hex16(segments[0]!.seq + i)} is missing before ${seg.name}`);
    }
    const buf = readFileSync(path);
    const scan = scanRecords(buf);
    if (scan.bad && (!isLast || scan.bad.validAfter)) {
      const why = isLast ? 'valid records follow it' : 'it is not in the last segment';
      throw new CorruptionError(`wal: ${seg.name} offset ${scan.bad.offset}: ${scan.bad.reason}, and ${why}`);
    }
    for (let j = 0; j < scan.records.length; j++) {
      const fr = scan.records[j]!;
      let err: string | null;
      try {
        const rec = decodeRecord(fr.type, fr.payload, cipher);
        err = (rec.type === 'segment' && headerVsName(rec.header, seg)) || r.apply(rec, j === 0);
      } catch (e) {
        if (!(e instanceof CorruptionError)) throw e;
        err = e.message;
      }
      if (err !== null) throw new CorruptionError(`wal: ${seg.name} offset ${fr.offset}: ${err}`);
    }
    if (scan.bad) {
      const { offset, reason } = scan.bad;
      logger.warn(
        { file: seg.name, offset, dropped: buf.byteLength - offset, reason },
        'wal: torn write at the tail of the log, truncated',
      );
      if (scan.records.length === 0) {
        rmSync(path);
        fsyncDir(dir);
        kept.pop();
      } else {
        truncateTail(path, offset);
      }
    } else if (scan.records.length === 0) {
      if (!isLast) throw new CorruptionError(`wal: ${seg.name} is empty and not the last segment`);
      rmSync(path);
      fsyncDir(dir);
      kept.pop();
    }
  }
  return { state: r.result(), segments: kept };
}
