/**
 * StoreStateMachine: the store as Raft's replicated application (it fits src/raft's
 * StateMachine interface). apply() decodes one entry, applies its transactions to the
 * MemoryStore, delivers the entry's events to watchers and returns the per-transaction
 * results, which the Raft driver hands back to the proposer on this member.
 * snapshot()/restore() are the store's; a manager that restarts gets restore(snapshot)
 * and then apply() for each entry of its log after it, from the driver.
 */
import type { EntryResult } from './types.ts';

/** The MemoryStore side of the state machine. */
export interface Replica {
  applyEntry(data: Uint8Array, index: number): EntryResult;
  snapshotState(): Uint8Array;
  restoreState(data: Uint8Array): void;
  readonly index: number;
}

export class StoreStateMachine {
  constructor(private readonly replica: Replica) {}

  apply(data: Uint8Array, index: number): EntryResult {
    return this.replica.applyEntry(data, index);
  }

  snapshot(): Uint8Array {
    return this.replica.snapshotState();
  }

  restore(data: Uint8Array): void {
    this.replica.restoreState(data);
  }

  /** Raft index of the last store entry applied. */
  get index(): number {
    return this.replica.index;
  }
}
