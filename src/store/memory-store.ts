/**
 * MemoryStore: the cluster state every manager holds in memory, written only through
 * Raft. Reads are synchronous and local; writes are proposed and take effect when the
 * entry is applied, on every member in the same order.
 *
 *   view(fn)      fn(ReadTx) -> R, synchronous, consistent (nothing applies meanwhile)
 *   update(fn)    fn(WriteTx) runs now on an overlay (reads see its own writes); its
 *                 actions become ONE entry; resolves with fn's result once the entry is
 *                 applied here, or rejects with the typed error of the apply (conflict,
 *                 name clash, not found) or of the proposal (not leader, timeout)
 *   batch(fn)     many small transactions in few entries (batch.ts)
 *   subscribe     events after each applied entry (watch.ts); viewAndSubscribe for a
 *                 snapshot plus the events after it, with no gap and no overlap
 *
 * Optimistic concurrency is decided at apply time (apply.ts), so the leader holds no lock
 * across a proposal and pipelines them: two updates based on the same version both get
 * proposed, and the one applied second fails with "update out of sequence".
 */
import type { Clock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import { type Batch, BatchBuilder, isThenable } from './batch.ts';
import { encodeEntry } from './entry.ts';
import { Overlay } from './overlay.ts';
import { LocalProposer, type Proposer } from './proposer.ts';
import { diffTables, StoreState } from './state.ts';
import { type Replica, StoreStateMachine } from './state-machine.ts';
import { type ReadTx, Tx, type WriteTx } from './tables/index.ts';
import { TxRecorder } from './tx.ts';
import {
  type BatchResult,
  type EntryResult,
  type EventFilter,
  isEntryResult,
  type StoreListener,
} from './types.ts';
import { TxContext } from './view.ts';
import { Watchers, type WatchOptions, WatchQueue } from './watch.ts';

export interface MemoryStoreOptions {
  /** Stamps proposals (wallNow): the leader's clock becomes every member's timestamps. */
  clock: Clock;
  logger?: Logger;
  /** How writes are replicated; settable later (setProposer) to break the Raft cycle. */
  proposer?: Proposer;
  /** Deep-freeze stored objects so an accidental write by a reader throws (tests). */
  freeze?: boolean;
  /** A batch entry holds at most this many actions (default 1,000)... */
  maxEntryActions?: number;
  /** ...and at most about this many bytes (default 1 MiB). */
  maxEntryBytes?: number;
}

export class MemoryStore implements Replica {
  readonly stateMachine: StoreStateMachine;
  private readonly state: StoreState;
  private readonly watchers: Watchers;
  private readonly clock: Clock;
  private readonly log: Logger;
  private proposer: Proposer | undefined;
  private readonly limits: { maxActions: number; maxBytes: number };

  constructor(opts: MemoryStoreOptions) {
    this.clock = opts.clock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'store' });
    this.state = new StoreState(opts.freeze ?? false, this.log);
    this.watchers = new Watchers(this.log);
    this.proposer = opts.proposer;
    this.limits = { maxActions: opts.maxEntryActions ?? 1_000, maxBytes: opts.maxEntryBytes ?? 1024 * 1024 };
    this.stateMachine = new StoreStateMachine(this);
  }

  /** A store whose writes apply locally at once (unit tests, the simulator's fast path). */
  static local(opts: Omit<MemoryStoreOptions, 'proposer'>): MemoryStore {
    const store = new MemoryStore(opts);
    store.setProposer(new LocalProposer(store.stateMachine));
    return store;
  }

  setProposer(p: Proposer): void {
    this.proposer = p;
  }

  /** Raft index of the last store entry applied here. */
  get index(): number {
    return this.state.index;
  }

  view<R>(fn: (tx: ReadTx) => R): R {
    const ctx = new TxContext(this.state, undefined, this.state.index);
    try {
      const r = fn(new Tx(ctx));
      if (isThenable(r)) throw new TypeError('store: view callbacks must be synchronous');
      return r;
    } finally {
      ctx.closed = true;
    }
  }

  async update<R>(fn: (tx: WriteTx) => R): Promise<R> {
    const proposer = this.requireProposer();
    const overlay = new Overlay(this.state);
    const rec = new TxRecorder(overlay);
    const ctx = new TxContext(overlay, rec, this.state.index);
    let r: R;
    try {
      r = fn(new Tx(ctx));
      if (isThenable(r)) throw new TypeError('store: update callbacks must be synchronous');
    } finally {
      ctx.closed = true;
    }
    if (rec.size === 0) return r;
    const wire = rec.toWire(() => {
      throw new Error('store: a single transaction cannot refer to a pending version');
    });
    const res = await proposer.propose(encodeEntry({ t: this.clock.wallNow() }, [wire]));
    if (!isEntryResult(res)) throw new ShoalError('internal', 'store: proposer returned no entry result');
    if (res.error) throw res.error;
    const tr = res.results[0];
    if (!tr) throw new ShoalError('internal', 'store: no result for the transaction');
    if (!tr.ok) throw tr.error;
    return r;
  }

  /**
   * Runs `fn`, whose b.update(tx => ...) calls each run at once as one small transaction,
   * then proposes them in entries of bounded size. Never rejects for a failed small
   * transaction: see BatchResult.failed. Rejects only if `fn` itself throws (nothing is
   * proposed then) or a callback throws something other than a ShoalError (a bug).
   */
  async batch(fn: (b: Batch) => void): Promise<BatchResult> {
    const proposer = this.requireProposer();
    const b = new BatchBuilder(this.state, this.state.index, this.limits);
    const r: unknown = fn(b);
    if (isThenable(r)) throw new TypeError('store: batch callbacks must be synchronous');
    return b.propose(proposer, () => this.clock.wallNow());
  }

  subscribe(listener: StoreListener, filter?: EventFilter): () => void {
    return this.watchers.subscribe(listener, filter);
  }

  /** fn's view, and every event applied after it (none before, none missed). */
  viewAndSubscribe<R>(
    fn: (tx: ReadTx) => R,
    listener: StoreListener,
    filter?: EventFilter,
  ): { result: R; unsubscribe: () => void } {
    // Both halves run in one synchronous turn: no entry can apply between them.
    const result = this.view(fn);
    return { result, unsubscribe: this.subscribe(listener, filter) };
  }

  watch(filter?: EventFilter, opts?: WatchOptions): WatchQueue {
    return new WatchQueue(opts).attach((l) => this.subscribe(l, filter));
  }

  viewAndWatch<R>(
    fn: (tx: ReadTx) => R,
    filter?: EventFilter,
    opts?: WatchOptions,
  ): { result: R; watch: WatchQueue } {
    const result = this.view(fn);
    return { result, watch: this.watch(filter, opts) };
  }

  // ----- the state machine side (StoreStateMachine) ----------------------------------

  applyEntry(data: Uint8Array, index: number): EntryResult {
    const { result, events } = this.state.apply(data, index);
    this.watchers.publish(events);
    return result;
  }

  snapshotState(): Uint8Array {
    return this.state.snapshot();
  }

  restoreState(data: Uint8Array): void {
    const old = this.state.restore(data);
    if (this.watchers.size > 0) this.watchers.publish(diffTables(old, this.state.tables, this.state.index));
  }

  private requireProposer(): Proposer {
    if (!this.proposer)
      throw new ShoalError('failed_precondition', 'store: no proposer; this store cannot write');
    return this.proposer;
  }
}
