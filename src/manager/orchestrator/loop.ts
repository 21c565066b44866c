/**
 * The reconcile loop every orchestrator component runs (architecture habit 3):
 *
 *   start() ── viewAndSubscribe ──► init(snapshot)            (one synchronous turn: no gap)
 *                    │
 *   store events ──► onEvents(events): note what changed ──► kick()
 *                                                              │ (a microtask later)
 *                                          while hasWork(): await flush()   one at a time
 *
 * Listeners run inside the store's apply loop, so they only note work; flush() does it,
 * usually as one store.batch. Flushes never overlap: the next one starts after the
 * previous batch has applied here, so a decision is never taken on a state that misses
 * this component's own writes still in flight (which would, say, create a slot twice).
 * stop() unsubscribes and waits for the flush in progress; an instance runs once.
 */
import type { Clock } from '../../base/clock.ts';
import { ShoalError } from '../../base/errors.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore } from '../../store/memory-store.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import type { BatchResult, EventFilter, StoreEvent } from '../../store/types.ts';

/** What every orchestrator component is built with. */
export interface OrchestratorDeps {
  store: MemoryStore;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
}

export interface LoopHooks {
  filter?: EventFilter;
  /** The snapshot the component starts from (runs in the same turn as the subscription). */
  init(tx: ReadTx): void;
  /** Note what the events change; called inside the store's apply loop. */
  onEvents(events: StoreEvent[]): void;
  hasWork(): boolean;
  /** Does (and forgets) the work noted so far. */
  flush(): Promise<void>;
}

export class ReconcileLoop {
  private state: 'new' | 'running' | 'stopped' = 'new';
  private unsubscribe: (() => void) | undefined;
  private scheduled = false;
  private current: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly store: MemoryStore,
    private readonly hooks: LoopHooks,
    private readonly log: Logger = nullLogger,
  ) {}

  get running(): boolean {
    return this.state === 'running';
  }

  start(): void {
    if (this.state !== 'new')
      throw new ShoalError(
        'failed_precondition',
        `${this.name}: an instance runs once (start after ${this.state})`,
      );
    this.state = 'running';
    const { unsubscribe } = this.store.viewAndSubscribe(
      (tx) => this.hooks.init(tx),
      (events) => {
        if (this.state !== 'running') return;
        this.hooks.onEvents(events);
        this.kick();
      },
      this.hooks.filter,
    );
    this.unsubscribe = unsubscribe;
    this.kick();
  }

  /** Schedules a flush if there is work and none is running. */
  kick(): void {
    if (this.state !== 'running' || this.scheduled || this.current) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (this.state === 'running' && !this.current && this.hooks.hasWork()) this.current = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.state === 'running' && this.hooks.hasWork()) {
        try {
          await this.hooks.flush();
        } catch (e) {
          this.log.error({ err: String(e) }, `${this.name}: reconcile pass failed`);
        }
      }
    } finally {
      this.current = undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.current;
  }
}

/** Logs a batch's failed transactions (conflicts are expected: someone else wrote first). */
export function logBatch(log: Logger, what: string, r: BatchResult): void {
  for (const f of r.failed) {
    const fields = { tx: f.tx, code: f.error.code, err: f.error.message };
    if (f.error.code === 'conflict' || f.error.code === 'not_found') log.debug(fields, `${what}: skipped`);
    else log.warn(fields, `${what}: failed`);
  }
}
