/**
 * AssignmentStreams: one assignment stream per connected node, fed by ONE store
 * subscription (the dispatcher's), not one per session: each task event is routed by its
 * NodeID (and its old NodeID, when it moved) to that node's NodeAssignments, so an event
 * costs O(1) however many nodes are connected.
 *
 * Changes are sent in batches, at most one message per node every `delayMs`: a change to
 * a node that was sent nothing for `delayMs` goes on the next turn of the event loop
 * (every change of that turn with it: the events of one applied Raft Ready arrive in one
 * turn); a change that follows a send closer than that waits for the rest of the window,
 * gathering what else comes meanwhile. `maxChanges` pending changes are sent at once.
 * (swarmkit waits 100 ms after the last change, so every assignment waits at least that
 * long; here an idle node hears of its new task at once, and a busy one is still batched.)
 */

import type { Task } from '../../api/task.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import type { ReadTx, Stored, StoreEvent } from '../../store/index.ts';
import { NodeAssignments } from './assignments.ts';
import type { Assignments } from './protocol.ts';

export interface AssignmentStreamsOptions {
  clock: Clock;
  delayMs: number;
  maxChanges: number;
  send: (nodeId: string, msg: Assignments) => void;
}

interface Stream {
  set: NodeAssignments;
  timer: Timer | undefined;
  /** When the node was last sent a message (its clock's now). */
  sentAt: number;
}

export class AssignmentStreams {
  private readonly streams = new Map<string, Stream>();
  readonly stats = { complete: 0, incremental: 0, taskChanges: 0 };

  constructor(private readonly opts: AssignmentStreamsOptions) {}

  get size(): number {
    return this.streams.size;
  }

  /** Starts the node's stream: its COMPLETE set, as of `tx`. */
  attach(nodeId: string, tx: ReadTx): Assignments {
    this.detach(nodeId);
    const set = new NodeAssignments(nodeId);
    this.streams.set(nodeId, { set, timer: undefined, sentAt: this.opts.clock.now() });
    this.stats.complete++;
    const m = set.complete(tx);
    this.stats.taskChanges += m.tasks.update.length;
    return m;
  }

  detach(nodeId: string): void {
    const s = this.streams.get(nodeId);
    if (!s) return;
    s.timer?.cancel();
    this.streams.delete(nodeId);
  }

  /** Routes task events to the streams of the nodes they concern (`tx`: the store now). */
  onEvents(tx: ReadTx, events: readonly StoreEvent[]): void {
    for (const e of events) {
      if (e.table !== 'tasks') continue;
      const t = e.object;
      this.route(tx, t.NodeID, t, e.kind === 'delete' ? t : undefined);
      const before = (e.old as Stored<Task> | undefined)?.NodeID;
      if (before && before !== t.NodeID) this.route(tx, before, t, t);
    }
  }

  clear(): void {
    for (const s of this.streams.values()) s.timer?.cancel();
    this.streams.clear();
  }

  private route(
    tx: ReadTx,
    nodeId: string | undefined,
    t: Stored<Task>,
    gone: Stored<Task> | undefined,
  ): void {
    if (!nodeId) return;
    const s = this.streams.get(nodeId);
    if (!s?.set.task(tx, t, gone)) return;
    if (s.set.pending >= this.opts.maxChanges) {
      this.flush(s);
      return;
    }
    if (s.timer) return;
    const wait = Math.max(0, s.sentAt + this.opts.delayMs - this.opts.clock.now());
    s.timer = this.opts.clock.setTimeout(() => this.flush(s), wait);
  }

  private flush(s: Stream): void {
    s.timer?.cancel();
    s.timer = undefined;
    if (this.streams.get(s.set.nodeId) !== s || s.set.pending === 0) return;
    const m = s.set.message();
    s.sentAt = this.opts.clock.now();
    this.stats.incremental++;
    this.stats.taskChanges += m.tasks.update.length + m.tasks.remove.length;
    this.opts.send(s.set.nodeId, m);
  }
}
