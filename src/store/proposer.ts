/**
 * Proposer: how the store's writes reach every member. `propose` takes one encoded entry
 * and resolves with what the state machine's apply returned for it on this member (an
 * EntryResult), once applied here; it rejects if the entry may not have been applied
 * (not the leader, timeout, stopped: the Raft driver's typed errors pass through).
 *
 *   RaftProposer    the real path: RaftNode.propose; every manager applies the entry
 *   LocalProposer   no consensus: applies at once (next microtask) with the next index,
 *                   through the same StoreStateMachine code; unit tests and the
 *                   simulator's fast path
 *
 * The store sits below src/raft, so nothing here imports it: RaftNode fits ReplicatingNode
 * and StoreStateMachine fits raft's StateMachine structurally.
 */

export interface Proposer {
  propose(payload: Uint8Array): Promise<unknown>;
}

/** What RaftProposer needs of a Raft member (RaftNode has it). */
export interface ReplicatingNode {
  propose(data: Uint8Array, timeoutMs?: number): Promise<unknown>;
}

export class RaftProposer implements Proposer {
  constructor(
    private readonly node: ReplicatingNode,
    private readonly opts: { timeoutMs?: number } = {},
  ) {}

  propose(payload: Uint8Array): Promise<unknown> {
    return this.node.propose(payload, this.opts.timeoutMs);
  }
}

/** What LocalProposer applies to (StoreStateMachine has it). */
export interface LocalApplier {
  apply(data: Uint8Array, index: number): unknown;
  /** Index of the last entry applied (the next one gets a higher index). */
  readonly index: number;
}

interface Queued {
  data: Uint8Array;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class LocalProposer implements Proposer {
  private queue: Queued[] = [];
  private scheduled = false;
  private last = 0;

  constructor(private readonly sm: LocalApplier) {}

  /** Entries proposed and applied so far. */
  proposals = 0;

  propose(payload: Uint8Array): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ data: payload, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.drain());
      }
    });
  }

  /** Applies in order, one entry at a time, never inside another entry's delivery. */
  private drain(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const q of batch) {
      const index = Math.max(this.last, this.sm.index) + 1;
      this.last = index;
      this.proposals++;
      try {
        q.resolve(this.sm.apply(q.data, index));
      } catch (e) {
        q.reject(e);
      }
    }
  }
}
