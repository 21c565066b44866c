/**
 * Scheduler: the leader-only component that wires the decision core (ClusterState,
 * scheduleBatch) to the store. It owns two task fields, NodeID and the move from PENDING to
 * ASSIGNED, and writes an unschedulable task's reason to Status.Err (and Message).
 *
 *   start ─► viewAndSubscribe (nodes, tasks): one snapshot builds the ClusterState and the
 *   │        queue of pending tasks, and every later event keeps them current (no gap)
 *   ▼
 *   events ─► nodes: ClusterState ─────────────────────────────┐ a node change, or a task
 *             tasks: pending ─► queue (desired ≤ complete)      │ that frees resources,
 *                    assigned..running ─► ClusterState          │ sends parked tasks back
 *                    terminal / deleted ─► released ────────────┘ to the queue
 *   queue ─► one gather window (gatherMs, a single timer) ─► tick: at most maxBatch tasks
 *        ─► scheduleBatch ─► store.batch, one small transaction per decision:
 *             assigned       still pending, NodeID empty (or the preassigned one) ─► NodeID,
 *                            ASSIGNED "scheduler assigned task to node"
 *             unschedulable  Err and Message := reason, unless already so (once per change)
 *        ─► results: a decision that did not commit gives its reservation back
 *           (state.removeTask) and its task, if still pending, goes back to the queue;
 *           unschedulable tasks are parked until a node or resources change
 *
 * One batch is committed at a time; tasks arriving meanwhile wait for the next tick, so
 * under load the batches grow by themselves. Optimistic concurrency does the rest: each
 * transaction is checked when written and again, by version, when the entry applies.
 */
import type { Node } from '../../api/node.ts';
import type { Task } from '../../api/task.ts';
import { TASK_STATES } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { Owner } from '../../base/owner.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore, ReadTx, Stored, StoreEvent, WriteTx } from '../../store/index.ts';
import { ClusterState } from './cluster-state.ts';
import { scheduleBatch } from './schedule.ts';
import type { SchedulingDecision } from './types.ts';

export const ASSIGNED_MESSAGE = 'scheduler assigned task to node';
export const PREASSIGNED_MESSAGE = 'scheduler confirmed task can run on preassigned node';

export interface SchedulerOptions {
  store: MemoryStore;
  clock: Clock;
  logger?: Logger;
  /** How long pending tasks gather before a tick (ms; swarmkit debounces 50 ms). */
  gatherMs?: number;
  /** At most this many tasks per tick (bounds the event-loop time of one decision pass). */
  maxBatch?: number;
  /** Breaks ties between equally good nodes (default: the smallest node id). */
  rng?: Rng;
}

export interface SchedulerStats {
  /** Pending tasks waiting for the next tick. */
  queued: number;
  /** Unschedulable tasks waiting for a node or resources to change. */
  parked: number;
  /** Decisions being committed. */
  inFlight: number;
  ticks: number;
  /** Assignments committed. */
  assigned: number;
  /** Unschedulable reasons written (unchanged reasons are not written again). */
  reasonsWritten: number;
  /** Decisions that did not commit (the task changed meanwhile). */
  conflicts: number;
}

type T = Stored<Task>;
const rank = (s: Task['Status']['State']): number => TASK_STATES[s];

export class Scheduler {
  private readonly store: MemoryStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly gatherMs: number;
  private readonly maxBatch: number;
  private readonly rng: Rng | undefined;
  private readonly state = new ClusterState();
  private readonly queue = new Map<string, T>();
  private readonly parked = new Map<string, T>();
  /** Decided, being committed: the latest version of each task seen meanwhile. */
  private readonly inFlight = new Map<string, T>();
  private readonly owner = new Owner();
  private timer: Timer | undefined;
  private committing: Promise<void> | undefined;
  /** A node or resources changed since the current tick decided. */
  private changedSinceTick = false;
  private started = false;
  private stopped = false;
  private readonly counts = { ticks: 0, assigned: 0, reasonsWritten: 0, conflicts: 0 };

  constructor(opts: SchedulerOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'scheduler' });
    this.gatherMs = opts.gatherMs ?? 5;
    this.maxBatch = opts.maxBatch ?? 10_000;
    this.rng = opts.rng;
  }

  start(): void {
    if (this.started) throw new Error('scheduler: start() called twice (make a new one per leadership term)');
    this.started = true;
    const { unsubscribe } = this.store.viewAndSubscribe(
      (tx) => this.load(tx),
      (events) => this.onEvents(events),
      { tables: ['nodes', 'tasks'] },
    );
    this.owner.add(unsubscribe);
    this.owner.add(() => this.timer?.cancel());
    this.log.info({ nodes: this.state.nodeCount, pending: this.queue.size }, 'scheduler started');
    this.arm();
  }

  /** Stops watching; resolves once the batch being committed (if any) has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.owner.dispose();
    await this.committing;
  }

  /** Decides everything queued now, without waiting for the gather window (tests, benchmarks). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.committing !== undefined) {
        await this.committing;
        continue;
      }
      if (this.queue.size === 0 || this.stopped) return;
      this.timer?.cancel();
      this.timer = undefined;
      this.tick();
    }
  }

  stats(): SchedulerStats {
    return {
      queued: this.queue.size,
      parked: this.parked.size,
      inFlight: this.inFlight.size,
      ...this.counts,
    };
  }

  // ----- keeping the picture current -------------------------------------------------

  private load(tx: ReadTx): void {
    for (const n of tx.nodes.all()) this.state.upsertNode(n as Node);
    for (const s of ['assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'] as const) {
      for (const t of tx.tasks.byState(s)) this.state.upsertTask(t as Task);
    }
    for (const t of tx.tasks.byState('pending')) void this.pending(t);
  }

  private onEvents(events: StoreEvent[]): void {
    let changed = false;
    for (const e of events) {
      if (e.table === 'nodes') {
        if (e.kind === 'delete') this.state.removeNode(e.object.ID);
        else this.state.upsertNode(e.object as Node);
        changed = true;
      } else if (e.table === 'tasks') {
        changed = (e.kind === 'delete' ? this.forget(e.object.ID) : this.task(e.object, e.old)) || changed;
      }
    }
    if (changed) this.retryParked();
    this.arm();
  }

  /**
   * A pending task: queued unless its desired state is past complete (scaled down,
   * removed). True when dropping it gave back a reservation of ours.
   */
  private pending(t: T): boolean {
    if (rank(t.DesiredState) > TASK_STATES.complete) return this.forget(t.ID);
    if (this.inFlight.has(t.ID)) this.inFlight.set(t.ID, t);
    else if (this.parked.has(t.ID))
      this.parked.set(t.ID, t); // e.g. the echo of our own Err write
    else this.queue.set(t.ID, t);
    return false;
  }

  /** A task was created or changed; true when it freed room on a node. */
  private task(t: T, old: T | undefined): boolean {
    const state = rank(t.Status.State);
    if (state === TASK_STATES.pending) return this.pending(t);
    if (state < TASK_STATES.pending) return false; // the allocator's, not ours yet
    this.queue.delete(t.ID);
    this.parked.delete(t.ID);
    this.inFlight.delete(t.ID);
    const held = this.state.nodeOfTask(t.ID) !== undefined;
    this.state.upsertTask(t as Task);
    if (!held) return false;
    const stillHeld = this.state.nodeOfTask(t.ID) !== undefined;
    const deactivated =
      old !== undefined &&
      rank(old.DesiredState) <= TASK_STATES.running &&
      rank(t.DesiredState) > TASK_STATES.running;
    return !stillHeld || deactivated;
  }

  /** A task is gone; true when it freed room on a node. */
  private forget(id: string): boolean {
    this.queue.delete(id);
    this.parked.delete(id);
    this.inFlight.delete(id);
    if (this.state.nodeOfTask(id) === undefined) return false;
    this.state.removeTask(id);
    return true;
  }

  private retryParked(): void {
    this.changedSinceTick = true;
    for (const [id, t] of this.parked) this.queue.set(id, t);
    this.parked.clear();
  }

  // ----- deciding and committing -----------------------------------------------------

  private arm(): void {
    if (this.timer !== undefined || this.committing !== undefined || this.stopped || this.queue.size === 0)
      return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, this.gatherMs);
  }

  private tick(): void {
    if (this.stopped || this.committing !== undefined) return;
    const batch: T[] = [];
    for (const [id, t] of this.queue) {
      this.queue.delete(id);
      batch.push(t);
      if (batch.length >= this.maxBatch) break;
    }
    if (batch.length === 0) return;
    this.counts.ticks++;
    this.changedSinceTick = false;
    for (const t of batch) this.inFlight.set(t.ID, t);
    let decisions: SchedulingDecision[];
    try {
      decisions = scheduleBatch(this.state, batch as Task[], this.rng ? { rng: this.rng } : {});
    } catch (e) {
      // A wiring bug (a task twice, or already held): park the batch rather than spin on it.
      this.log.error({ err: e, tasks: batch.length }, 'scheduler: decision pass failed');
      for (const t of batch) {
        this.inFlight.delete(t.ID);
        this.parked.set(t.ID, t);
      }
      return;
    }
    this.committing = this.commit(decisions).finally(() => {
      this.committing = undefined;
      this.arm();
    });
  }

  private async commit(decisions: SchedulingDecision[]): Promise<void> {
    const ts = new Date(this.clock.wallNow()).toISOString();
    const wrote = new Array<boolean>(decisions.length).fill(false);
    const decisionOfTx: number[] = [];
    let broken = false;
    try {
      const result = await this.store.batch((b) => {
        decisions.forEach((d, i) => {
          const n = b.update((tx) => {
            wrote[i] = this.write(tx, d, ts);
          });
          decisionOfTx[n] = i;
        });
      });
      for (const f of result.failed) wrote[decisionOfTx[f.tx] as number] = false;
    } catch (e) {
      // Only a bug rejects a batch (lost proposals come back in `failed`): nothing was
      // proposed; take every reservation back and park the tasks instead of spinning.
      this.log.error({ err: e, tasks: decisions.length }, 'scheduler: commit failed');
      broken = true;
      wrote.fill(false);
    }
    const tally = { assigned: 0, unschedulable: 0, failed: 0 };
    decisions.forEach((d, i) => {
      const latest = this.inFlight.get(d.taskId);
      this.inFlight.delete(d.taskId);
      if (!wrote[i]) {
        tally.failed++;
        if (d.kind === 'assigned') this.state.removeTask(d.taskId);
        if (latest !== undefined && latest.Status.State === 'pending') {
          (broken ? this.parked : this.queue).set(d.taskId, latest);
        }
      } else if (d.kind === 'assigned') {
        tally.assigned++;
      } else {
        tally.unschedulable++;
        // The echo of the write (if any) already refreshed `latest`; it waits for a change.
        if (latest !== undefined) (this.changedSinceTick ? this.queue : this.parked).set(d.taskId, latest);
      }
    });
    this.counts.assigned += tally.assigned;
    this.counts.conflicts += tally.failed;
    this.log.debug({ tasks: decisions.length, ...tally }, 'scheduler tick committed');
  }

  /** One decision's transaction; false when the task is no longer ours to decide. */
  private write(tx: WriteTx, d: SchedulingDecision, ts: string): boolean {
    const cur = tx.tasks.get(d.taskId);
    if (cur === undefined || cur.Status.State !== 'pending') return false;
    if (d.kind === 'assigned') {
      if (cur.NodeID && cur.NodeID !== d.nodeId) return false;
      const Message = cur.NodeID ? PREASSIGNED_MESSAGE : ASSIGNED_MESSAGE;
      const generic = d.assignedGenericResources;
      tx.tasks.update(cur, {
        NodeID: d.nodeId,
        Status: { Timestamp: ts, State: 'assigned', Message },
        ...(generic !== undefined ? { AssignedGenericResources: generic } : {}),
      });
      return true;
    }
    if (cur.Status.Err === d.reason && cur.Status.Message === d.reason) return true;
    tx.tasks.update(cur, { Status: { ...cur.Status, Timestamp: ts, Err: d.reason, Message: d.reason } });
    this.counts.reasonsWritten++;
    return true;
  }
}
