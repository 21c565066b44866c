/**
 * UpdateQueue: the dispatcher's store writes, batched. Status reports from thousands of
 * agents and node state changes are queued here, coalesced (one pending entry per task and
 * per node: the furthest status of a task, the latest change of a node) and written every
 * `intervalMs` (or at once past `maxItems`) with one store.batch, one small transaction
 * per object. One batch is in flight at a time; what arrives meanwhile waits for the next.
 *
 * Each transaction re-reads its object, so the checks are made against the store as it is
 * at write time (and again at apply time, by the store):
 *   task  gone, or no longer on the reporting node  -> ignored
 *         the report is behind the stored state      -> ignored (never backwards)
 *         the very same report already stored        -> ignored (a re-report)
 *   node  unchanged                                  -> no write
 *         missing                                    -> created, if the change says how
 * An update that lost a race at apply time ("update out of sequence": someone else wrote
 * the object meanwhile) is queued again, unless something newer was queued since.
 */
import type { Node, NodeDescription, NodeStatus } from '../../api/node.ts';
import type { TaskStatus } from '../../api/task.ts';
import { stateRank, TASK_STATES } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import type { ShoalError } from '../../base/errors.ts';
import type { Logger } from '../../base/logger.ts';
import type { MemoryStore, NewObject, Stored, WriteTx } from '../../store/index.ts';

/** A change to one node: its whole Status (Addr kept when absent) and/or Description. */
export interface NodeChange {
  status?: NodeStatus;
  description?: Stored<NodeDescription>;
  /** How to create the node if it does not exist (first connection, no CA yet). */
  create?: NewObject<Node>;
}

type Waiter = (ok: boolean) => void;
interface PendingNode extends NodeChange {
  waiters?: Waiter[];
  tries: number;
}
interface PendingTask {
  nodeId: string;
  status: Stored<TaskStatus>;
  tries: number;
}
/** What one transaction of a batch wrote: a node change or a task status. */
interface Item {
  id: string;
  ch?: PendingNode;
  u?: PendingTask;
}

const MAX_TRIES = 10;

export interface UpdateQueueOptions {
  store: MemoryStore;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  maxItems: number;
}

export class UpdateQueue {
  private tasks = new Map<string, PendingTask>();
  private nodes = new Map<string, PendingNode>();
  private timer: Timer | undefined;
  /** The timer is the "at once" one (past maxItems). */
  private soon = false;
  private busy = false;
  private stopped = false;
  readonly stats = { batches: 0, taskWrites: 0, nodeWrites: 0, ignored: 0, retried: 0, failed: 0 };

  constructor(private readonly opts: UpdateQueueOptions) {}

  get pending(): number {
    return this.tasks.size + this.nodes.size;
  }

  task(nodeId: string, taskId: string, status: Stored<TaskStatus>, tries = 0): void {
    if (this.stopped) return;
    const prev = this.tasks.get(taskId);
    if (prev && prev.nodeId === nodeId && stateRank(prev.status.State) > stateRank(status.State)) return;
    this.tasks.set(taskId, { nodeId, status, tries });
    this.schedule();
  }

  /** Queues a node change; `waiter` learns whether it was written (or was already so). */
  node(nodeId: string, change: NodeChange, waiter?: Waiter, tries = 0): void {
    if (this.stopped) {
      waiter?.(false);
      return;
    }
    const prev = this.nodes.get(nodeId);
    const next: PendingNode = { tries };
    // The newer change wins field by field; an absent field keeps the older one's.
    const status = change.status ?? prev?.status;
    if (status)
      next.status =
        status.Addr === undefined && prev?.status?.Addr ? { ...status, Addr: prev.status.Addr } : status;
    const description = change.description ?? prev?.description;
    if (description) next.description = description;
    const create = change.create ?? prev?.create;
    if (create) next.create = create;
    const waiters = [...(prev?.waiters ?? []), ...(waiter ? [waiter] : [])];
    if (waiters.length > 0) next.waiters = waiters;
    this.nodes.set(nodeId, next);
    this.schedule();
  }

  /** Drops everything queued (leadership lost: these writes could not be made anyway). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (const n of this.nodes.values()) for (const w of n.waiters ?? []) w(false);
    this.nodes.clear();
    this.tasks.clear();
  }

  private schedule(): void {
    if (this.busy || this.stopped) return;
    const soon = this.pending >= this.opts.maxItems;
    if (this.timer && (!soon || this.soon)) return;
    this.timer?.cancel();
    this.soon = soon;
    this.timer = this.opts.clock.setTimeout(() => void this.flush(), soon ? 0 : this.opts.intervalMs);
  }

  /** Writes everything queued now (the timer calls it; tests may too). */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.busy || this.stopped || this.pending === 0) return;
    this.busy = true;
    const items = new Map<number, Item>();
    const { nodes, tasks } = this;
    this.nodes = new Map();
    this.tasks = new Map();
    try {
      const res = await this.opts.store.batch((b) => {
        for (const [id, ch] of nodes)
          items.set(
            b.update((tx) => this.writeNode(tx, id, ch)),
            { id, ch },
          );
        for (const [id, u] of tasks)
          items.set(
            b.update((tx) => this.writeTask(tx, id, u)),
            { id, u },
          );
      });
      this.stats.batches++;
      const failed = new Map<number, ShoalError>(res.failed.map((f) => [f.tx, f.error]));
      for (const [n, item] of items) this.settle(item, failed.get(n));
    } catch (e) {
      // Only a bug gets here (a batch rejects for nothing else): nothing was written.
      this.opts.logger.error({ err: (e as Error).message }, 'dispatcher: status batch failed');
      for (const ch of nodes.values()) for (const w of ch.waiters ?? []) w(false);
    } finally {
      this.busy = false;
    }
    if (this.pending > 0) this.schedule();
  }

  private settle(item: Item, err: ShoalError | undefined): void {
    if (!err) {
      for (const w of item.ch?.waiters ?? []) w(true);
      return;
    }
    const tries = (item.ch?.tries ?? item.u?.tries ?? 0) + 1;
    if (err.code === 'conflict' && !this.stopped && tries < MAX_TRIES) {
      this.stats.retried++;
      if (item.u && !this.tasks.has(item.id)) this.task(item.u.nodeId, item.id, item.u.status, tries);
      if (item.ch) this.retryNode(item.id, item.ch, tries);
      return;
    }
    this.stats.failed++;
    this.opts.logger.warn({ id: item.id, err: err.message, code: err.code }, 'dispatcher: a write failed');
    for (const w of item.ch?.waiters ?? []) w(false);
  }

  /** Queues an older change again under whatever was queued since (newer fields win). */
  private retryNode(nodeId: string, older: PendingNode, tries: number): void {
    const newer = this.nodes.get(nodeId);
    const merged: PendingNode = { ...older, tries };
    if (newer?.status) merged.status = newer.status;
    if (newer?.description) merged.description = newer.description;
    if (newer?.create) merged.create = newer.create;
    const waiters = [...(older.waiters ?? []), ...(newer?.waiters ?? [])];
    if (waiters.length > 0) merged.waiters = waiters;
    this.nodes.set(nodeId, merged);
    this.schedule();
  }

  private writeTask(tx: WriteTx, taskId: string, u: PendingTask): void {
    const t = tx.tasks.get(taskId);
    // Only a task on this node, ASSIGNED or further (the scheduler's until then), forward.
    const rank = t ? stateRank(t.Status.State) : -1;
    if (!t || t.NodeID !== u.nodeId || rank < TASK_STATES.assigned || stateRank(u.status.State) < rank) {
      this.stats.ignored++;
      return;
    }
    const cur = t.Status;
    if (u.status.State === cur.State && u.status.Timestamp === cur.Timestamp) return;
    tx.tasks.update(t, { Status: u.status });
    this.stats.taskWrites++;
  }

  private writeNode(tx: WriteTx, nodeId: string, ch: PendingNode): void {
    const n = tx.nodes.get(nodeId);
    if (!n) {
      if (!ch.create) return;
      const created: NewObject<Node> = { ...ch.create };
      if (ch.status) Object.assign(created, { Status: ch.status });
      if (ch.description) Object.assign(created, { Description: ch.description });
      tx.nodes.create(created);
      this.stats.nodeWrites++;
      return;
    }
    const status = ch.status ? withAddr(ch.status, n.Status.Addr) : n.Status;
    const description = ch.description ?? n.Description;
    if (sameStatus(status, n.Status) && (!ch.description || sameJson(description, n.Description))) return;
    tx.nodes.update(n, description ? { Status: status, Description: description } : { Status: status });
    this.stats.nodeWrites++;
  }
}

function withAddr(s: NodeStatus, addr: string | undefined): NodeStatus {
  const out: NodeStatus = { State: s.State };
  if (s.Message !== undefined) out.Message = s.Message;
  const a = s.Addr ?? addr;
  if (a !== undefined) out.Addr = a;
  return out;
}

function sameStatus(a: Stored<NodeStatus>, b: Stored<NodeStatus>): boolean {
  return a.State === b.State && a.Message === b.Message && a.Addr === b.Addr;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
