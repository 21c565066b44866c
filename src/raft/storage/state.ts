/**
 * The storage semantics, written once: a StorageState (hard state, latest snapshot, log)
 * and the three writes turned into WriteOps. plan* validates a request against the current
 * state and returns the op (throwing if it is invalid, changing nothing); applyOp applies
 * an op. MemoryStorage queues ops for its crash model, FileStorage turns them into WAL
 * records, and WAL replay applies the same rules to what it reads back.
 */

import { ShoalError } from '../../base/errors.ts';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.ts';
import { emptyHardState, emptySnapshot } from '../core/types.ts';
import { EntryLog, type LogPoint } from './log.ts';

export interface StorageState {
  hardState: HardState;
  snapshot: Snapshot;
  log: EntryLog;
}

export interface SaveOp {
  kind: 'save';
  hardState: HardState | null;
  entries: readonly Entry[];
}

export interface SnapshotOp {
  kind: 'snapshot';
  snapshot: Snapshot;
  /** The new compaction point: the snapshot itself, or older to keep entries behind it. */
  compact: LogPoint;
  /** The stored log conflicts with an installed snapshot: every entry goes. */
  dropLog: boolean;
  /** A hard state to store with it (install raises commit to the snapshot index). */
  hardState: HardState | null;
}

export type WriteOp = SaveOp | SnapshotOp;

export function emptyState(): StorageState {
  return { hardState: emptyHardState(), snapshot: emptySnapshot(), log: new EntryLog() };
}

export function cloneState(s: StorageState): StorageState {
  return { hardState: { ...s.hardState }, snapshot: s.snapshot, log: s.log.clone() };
}

export function planSave(s: StorageState, hardState: HardState | null, entries: readonly Entry[]): SaveOp {
  s.log.checkAppend(entries);
  return { kind: 'save', hardState: hardState && { ...hardState }, entries: entries.slice() };
}

/**
 * A snapshot from the leader. Entries after it survive only if the log holds the
 * snapshot's last entry with the same term. Everything in a snapshot is committed, so the
 * stored commit index is raised to the snapshot's index if it is lower: a restart between
 * this write and the driver's next save then still finds commit >= firstIndex - 1.
 */
export function planInstall(s: StorageState, snapshot: Snapshot): SnapshotOp {
  const { index, term } = snapshot.meta;
  if (index <= s.snapshot.meta.index) {
    throw new ShoalError(
      'failed_precondition',
      `raft storage: snapshot at ${index} is out of date (have one at ${s.snapshot.meta.index})`,
    );
  }
  const hs = s.hardState;
  return {
    kind: 'snapshot',
    snapshot,
    compact: { index, term },
    dropLog: !s.log.matches(index, term),
    hardState: hs.commit < index ? { ...hs, commit: index } : null,
  };
}

/** A snapshot of applied state at `index`; the log is compacted to index - keepEntries. */
export function planCreate(
  s: StorageState,
  index: number,
  conf: ConfState,
  data: Uint8Array,
  keepEntries: number,
): SnapshotOp {
  if (!Number.isSafeInteger(keepEntries) || keepEntries < 0) {
    throw new ShoalError('invalid_argument', `raft storage: keepEntries must be >= 0, got ${keepEntries}`);
  }
  if (index <= s.snapshot.meta.index) {
    throw new ShoalError(
      'failed_precondition',
      `raft storage: snapshot at ${index} is out of date (have one at ${s.snapshot.meta.index})`,
    );
  }
  if (index > s.hardState.commit) {
    throw new ShoalError(
      'failed_precondition',
      `raft storage: cannot snapshot at ${index}, past the commit index ${s.hardState.commit}`,
    );
  }
  const term = s.log.term(index);
  const at = Math.max(s.log.compact.index, index - keepEntries);
  const snapshot: Snapshot = { meta: { index, term, conf: structuredClone(conf) }, data };
  return {
    kind: 'snapshot',
    snapshot,
    compact: { index: at, term: s.log.term(at) },
    dropLog: false,
    hardState: null,
  };
}

export function applyOp(s: StorageState, op: WriteOp): void {
  if (op.kind === 'save') {
    s.log.append(op.entries);
  } else {
    if (op.dropLog) s.log.reset(op.compact);
    else s.log.compactTo(op.compact);
    s.snapshot = op.snapshot;
  }
  if (op.hardState) s.hardState = { ...op.hardState };
}
