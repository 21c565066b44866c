/**
 * MemoryStorage: the in-memory twin of FileStorage, for tests and the deterministic
 * simulator, with a crash model.
 *
 * Two states are kept. The visible state changes as soon as a write is called (reads see
 * it at once, like FileStorage's in-memory log). The durable state is what survives a
 * crash: a write joins a FIFO queue and becomes durable when the injected `disk`
 * scheduler calls its `complete` callback, and only after every earlier write has (writes
 * become durable in order; a write completed early waits for the ones before it). Its
 * promise resolves at that moment. The default disk completes at once.
 *
 * crashImage() is what a crash leaves: the durable state, plus optionally the first k
 * entries of the oldest pending save (a torn write: entries are written before the hard
 * state, so a torn save never keeps its hard state). restore() boots a storage from it.
 */

import { ShoalError } from '../../base/errors.ts';
import type { ConfState, Entry, HardState, Snapshot } from '../core/types.ts';
import { EntryLog, type LogPoint } from './log.ts';
import {
  applyOp,
  cloneState,
  emptyState,
  planCreate,
  planInstall,
  planSave,
  type StorageState,
  type WriteOp,
} from './state.ts';
import type { InitialState, RaftStorage } from './storage.ts';

/** Plain data (structured-clonable): what a MemoryStorage holds after a crash. */
export interface MemoryImage {
  hardState: HardState;
  snapshot: Snapshot;
  /** The index and term just before the first entry. */
  compact: LogPoint;
  entries: Entry[];
}

export interface MemoryStorageOptions {
  /**
   * Decides when a write reaches stable storage: called once per write, the write is
   * durable when `complete` is called (extra calls are ignored). Default: at once.
   */
  disk?: (complete: () => void) => void;
}

interface Pending {
  op: WriteOp;
  completed: boolean;
  resolve: () => void;
}

export class MemoryStorage implements RaftStorage {
  private visible: StorageState;
  private durable: StorageState;
  private readonly queue: Pending[] = [];
  private readonly disk: (complete: () => void) => void;
  private closed = false;

  constructor(opts: MemoryStorageOptions = {}) {
    this.disk = opts.disk ?? ((complete) => complete());
    this.visible = emptyState();
    this.durable = emptyState();
  }

  /** A storage whose visible and durable states are `image` (nothing pending). */
  static restore(image: MemoryImage, opts: MemoryStorageOptions = {}): MemoryStorage {
    const copy = structuredClone(image);
    const s = new MemoryStorage(opts);
    s.durable = {
      hardState: copy.hardState,
      snapshot: copy.snapshot,
      log: new EntryLog(copy.compact, copy.entries),
    };
    s.visible = cloneState(s.durable);
    return s;
  }

  /**
   * What survives a crash now: the durable state plus, if `keepTornPrefix` > 0, that many
   * leading entries of the oldest pending write when it is a save. A deep copy.
   */
  crashImage(keepTornPrefix = 0): MemoryImage {
    const s = cloneState(this.durable);
    const oldest = this.queue[0]?.op;
    if (keepTornPrefix > 0 && oldest?.kind === 'save') s.log.append(oldest.entries.slice(0, keepTornPrefix));
    return structuredClone({
      hardState: s.hardState,
      snapshot: s.snapshot,
      compact: s.log.compact,
      entries: s.log.all(),
    });
  }

  /** Writes accepted but not yet durable. */
  get pendingWrites(): number {
    return this.queue.length;
  }

  initialState(): InitialState {
    return {
      hardState: { ...this.visible.hardState },
      conf: structuredClone(this.visible.snapshot.meta.conf),
    };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.visible.log.slice(lo, hi, maxBytes);
  }

  term(i: number): number {
    return this.visible.log.term(i);
  }

  firstIndex(): number {
    return this.visible.log.firstIndex();
  }

  lastIndex(): number {
    return this.visible.log.lastIndex();
  }

  snapshot(): Snapshot {
    return this.visible.snapshot;
  }

  async save(hardState: HardState | null, entries: readonly Entry[]): Promise<void> {
    this.checkOpen();
    if (hardState === null && entries.length === 0) return;
    await this.write(planSave(this.visible, hardState, entries));
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.checkOpen();
    await this.write(planInstall(this.visible, snapshot));
  }

  async createSnapshot(
    index: number,
    conf: ConfState,
    data: Uint8Array,
    keepEntries: number,
  ): Promise<Snapshot> {
    this.checkOpen();
    const op = planCreate(this.visible, index, conf, data, keepEntries);
    await this.write(op);
    return op.snapshot;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new ShoalError('failed_precondition', 'raft storage: closed');
  }

  private write(op: WriteOp): Promise<void> {
    applyOp(this.visible, op);
    return new Promise<void>((resolve) => {
      const p: Pending = { op, completed: false, resolve };
      this.queue.push(p);
      this.disk(() => {
        p.completed = true;
        this.drain();
      });
    });
  }

  private drain(): void {
    while (this.queue[0]?.completed) {
      const p = this.queue.shift()!;
      applyOp(this.durable, p.op);
      p.resolve();
    }
  }
}
