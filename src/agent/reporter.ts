/**
 * Reporter: the agent's outgoing task statuses. Every status change a TaskRunner reports
 * is queued, one entry per task (the furthest state wins: states only move forward), and
 * sent `delayMs` later in batches of at most `maxBatch`, so a task racing from ACCEPTED to
 * RUNNING costs one message, not five. Without a session the queue waits; on a new
 * session the agent re-queues every task's current status (the dispatcher ignores what it
 * already has), so nothing reported while disconnected is lost.
 */
import type { DeepReadonly } from '../api/meta.ts';
import type { TaskStatus } from '../api/task.ts';
import { stateRank } from '../api/task-state.ts';
import type { Clock, Timer } from '../base/clock.ts';
import type { TaskStatusUpdate } from '../manager/dispatcher/protocol.ts';

/** Sends one batch; false when it could not be sent (no link). */
export type StatusSink = (updates: TaskStatusUpdate[]) => boolean;

export interface ReporterOptions {
  clock: Clock;
  delayMs: number;
  maxBatch: number;
}

export class Reporter {
  private pending = new Map<string, DeepReadonly<TaskStatus>>();
  private timer: Timer | undefined;
  private sink: StatusSink | undefined;
  readonly stats = { reports: 0, sent: 0, batches: 0 };

  constructor(private readonly opts: ReporterOptions) {}

  get queued(): number {
    return this.pending.size;
  }

  report(taskId: string, status: DeepReadonly<TaskStatus>): void {
    this.stats.reports++;
    const prev = this.pending.get(taskId);
    if (prev && stateRank(prev.State) > stateRank(status.State)) return;
    this.pending.set(taskId, status);
    this.schedule();
  }

  /** A session is open: send through `sink` from now on. */
  connect(sink: StatusSink): void {
    this.sink = sink;
    this.schedule();
  }

  /** The session is gone: hold reports until the next one. */
  disconnect(): void {
    this.sink = undefined;
    this.timer?.cancel();
    this.timer = undefined;
  }

  dispose(): void {
    this.disconnect();
    this.pending.clear();
  }

  /** Sends everything queued now (if a session is open). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const sink = this.sink;
    if (!sink || this.pending.size === 0) return;
    const all = [...this.pending];
    this.pending = new Map();
    for (let i = 0; i < all.length; i += this.opts.maxBatch) {
      const chunk = all.slice(i, i + this.opts.maxBatch);
      const updates = chunk.map(([taskId, status]) => ({ taskId, status }));
      if (sink(updates)) {
        this.stats.sent += updates.length;
        this.stats.batches++;
        continue;
      }
      // Not sent: keep what has not been superseded meanwhile, for the next session.
      for (const [id, s] of all.slice(i)) if (!this.pending.has(id)) this.pending.set(id, s);
      return;
    }
  }

  private schedule(): void {
    if (!this.sink || this.timer || this.pending.size === 0) return;
    this.timer = this.opts.clock.setTimeout(() => this.flush(), this.opts.delayMs);
  }
}
