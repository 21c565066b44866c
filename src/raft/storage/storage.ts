/**
 * What the Raft core reads (LogStorage) and what the driver writes (RaftStorage).
 *
 * The core keeps not-yet-persisted entries in its own `unstable` buffer and reads
 * everything older through LogStorage. The driver persists each Ready through RaftStorage
 * before sending the messages that depend on it. Two implementations share one contract
 * suite (storage.contract.ts): MemoryStorage (tests, simulation, with a crash model) and
 * FileStorage (the WAL and snapshot files of a real manager).
 */

import { ShoalError } from '../../base/errors.ts';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.ts';

/** The requested index is older than the last snapshot: the entries are gone. */
export class CompactedError extends ShoalError {
  constructor(index: number, first: number) {
    super('failed_precondition', `raft log: index ${index} is compacted (first available index is ${first})`);
  }
}

/** The requested index is past the end of the stored log. */
export class UnavailableError extends ShoalError {
  constructor(index: number, last: number) {
    super('failed_precondition', `raft log: index ${index} is unavailable (last index is ${last})`);
  }
}

/** The stored data is damaged in a way that cannot be repaired without losing committed data. */
export class CorruptionError extends ShoalError {
  constructor(message: string) {
    super('corrupt', message);
  }
}

export interface InitialState {
  hardState: HardState;
  /** The configuration as of the snapshot (the core replays conf entries after it). */
  conf: ConfState;
}

/** The read side, used by the Raft core. All calls are synchronous and cheap. */
export interface LogStorage {
  initialState(): InitialState;
  /**
   * Entries in [lo, hi). Returns at least one entry when lo < hi, then stops before
   * exceeding maxBytes. Throws CompactedError / UnavailableError when out of range.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry i; valid for i in [firstIndex()-1, lastIndex()]. */
  term(i: number): number;
  /**
   * Index of the first entry available: the compaction point + 1 (entries kept behind a
   * snapshot for slow followers make it lower than snapshot index + 1).
   */
  firstIndex(): number;
  /** Index of the last entry (or the snapshot index when the log is empty). */
  lastIndex(): number;
  /** The latest snapshot (an empty one, index 0, before the first). */
  snapshot(): Snapshot;
}

export interface SaveOptions {
  /**
   * false: write without waiting for stable storage (Raft's Ready.mustSync is false when
   * only the commit index changed, which can be recovered after a crash). Default true.
   */
  sync?: boolean;
}

/** The write side, used by the driver. */
export interface RaftStorage extends LogStorage {
  /**
   * Durably stores a hard state and/or entries. Entries are contiguous; if the first one's
   * index is <= lastIndex(), the stored log from that index on is replaced. The returned
   * promise resolves only when the data is on stable storage (one write and one sync for
   * the whole call: group commit).
   */
  save(hardState: HardState | null, entries: readonly Entry[], opts?: SaveOptions): Promise<void>;
  /**
   * Durably installs a snapshot received from the leader: the log up to its index is
   * discarded (and entirely, if it conflicts with the snapshot's term).
   */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * Durably records a snapshot the application took of its own state at `index` (which must
   * be applied, hence <= the stored commit index), then compacts the log so that entries
   * up to `index - keepEntries` are dropped. Older snapshots are removed.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array, keepEntries: number): Promise<Snapshot>;
  close(): Promise<void>;
}
