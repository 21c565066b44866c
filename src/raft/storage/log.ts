/**
 * EntryLog: the stored log in memory, shared by MemoryStorage, FileStorage and WAL replay
 * so that all three apply exactly the same rules.
 *
 * The log is a compaction point (index and term of the last discarded entry, the
 * snapshot's or older when entries are kept behind a snapshot) followed by contiguous
 * entries. firstIndex = compact.index + 1; lastIndex = compact.index when empty.
 *
 * Appending follows Raft's rules: entries at or below the compaction point are ignored
 * (they are committed and already covered), the first newer entry replaces the stored
 * suffix from its index on, and a gap is an error.
 */

import { ShoalError } from '../../base/errors.ts';
import { type Entry, entrySize } from '../core/types.ts';
import { CompactedError, UnavailableError } from './storage.ts';

/** A position in the log: an index and the term of the entry there. */
export interface LogPoint {
  index: number;
  term: number;
}

export class EntryLog {
  private point: LogPoint;
  private ents: Entry[];

  constructor(compact: LogPoint = { index: 0, term: 0 }, entries: readonly Entry[] = []) {
    this.point = { ...compact };
    this.ents = [];
    this.append(entries);
  }

  /** The index and term just before the first entry. */
  get compact(): LogPoint {
    return { ...this.point };
  }

  firstIndex(): number {
    return this.point.index + 1;
  }

  lastIndex(): number {
    return this.point.index + this.ents.length;
  }

  /** Term of entry i, for i in [compact.index, lastIndex()]. */
  term(i: number): number {
    if (i < this.point.index) throw new CompactedError(i, this.firstIndex());
    if (i > this.lastIndex()) throw new UnavailableError(i, this.lastIndex());
    if (i === this.point.index) return this.point.term;
    return this.at(i).term;
  }

  /** Whether entry i exists here (compaction point included) with term t. */
  matches(i: number, t: number): boolean {
    return i >= this.point.index && i <= this.lastIndex() && this.term(i) === t;
  }

  /** Entries in [lo, hi): at least one when lo < hi, then no more than maxBytes in total. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo > hi) throw new ShoalError('invalid_argument', `raft log: invalid range [${lo}, ${hi})`);
    if (lo <= this.point.index) throw new CompactedError(lo, this.firstIndex());
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.at(i);
      size += entrySize(e);
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** All entries (the array is a copy; entries are shared and treated as immutable). */
  all(): Entry[] {
    return this.ents.slice();
  }

  /**
   * Stores contiguous entries: those at or below the compaction point are skipped, the
   * rest replace the log from their first index on. Throws if they would leave a gap.
   */
  append(entries: readonly Entry[]): void {
    const k = this.checkAppend(entries);
    if (k === entries.length) return;
    this.ents.length = entries[k]!.index - this.point.index - 1;
    for (let j = k; j < entries.length; j++) this.ents.push(entries[j]!);
  }

  /**
   * Throws if append(entries) would fail, without changing anything. Returns the position
   * of the first entry that would be stored (entries.length when all are compacted).
   */
  checkAppend(entries: readonly Entry[]): number {
    let k = 0;
    while (k < entries.length && entries[k]!.index <= this.point.index) k++;
    if (k === entries.length) return k;
    const first = entries[k]!.index;
    for (let j = k + 1; j < entries.length; j++) {
      if (entries[j]!.index !== first + (j - k)) {
        throw new ShoalError(
          'invalid_argument',
          `raft log: entries are not contiguous at index ${first + j - k}`,
        );
      }
    }
    if (first > this.lastIndex() + 1) {
      throw new ShoalError(
        'invalid_argument',
        `raft log: appending at ${first} would leave a gap after the last index ${this.lastIndex()}`,
      );
    }
    return k;
  }

  /**
   * Discards entries up to `to.index`, which becomes the compaction point. Compacting past
   * the end empties the log (WAL replay only; the live paths compact within the log).
   */
  compactTo(to: LogPoint): void {
    if (to.index <= this.point.index) return;
    const drop = to.index - this.point.index;
    this.ents = drop >= this.ents.length ? [] : this.ents.slice(drop);
    this.point = { ...to };
  }

  /** Drops every entry and restarts the log after `to` (a snapshot that conflicts). */
  reset(to: LogPoint): void {
    this.ents = [];
    this.point = { ...to };
  }

  clone(): EntryLog {
    const c = new EntryLog(this.point);
    c.ents = this.ents.slice();
    return c;
  }

  private at(i: number): Entry {
    return this.ents[i - this.point.index - 1]!;
  }
}
