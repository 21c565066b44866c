/**
 * LogPublisher: the agent's end of the log broker. A `logs-subscribe` names tasks of this
 * node; their controllers' output (Controller.logs) is read, batched (up to 256 lines or
 * 50 ms) and published on the session as `logs` messages, ending with `done` once every
 * task's output was read (with `follow`, once every task exited), or at `logs-cancel`.
 *
 *   logs-subscribe {subId, taskIds} ─▶ one reader per task ─▶ batch ─▶ logs {subId, lines}
 *                                       all readers ended   ─▶ logs {subId, done: true}
 */
import type { Clock, Timer } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import { errorMessage } from '../executor/errors.ts';
import type { Controller, TaskLogLine } from '../executor/executor.ts';
import type { LogsSubscribe, WireLogLine } from '../manager/dispatcher/protocol.ts';

const MAX_BATCH = 256;
const FLUSH_MS = 50;

export interface LogPublisherOptions {
  clock: Clock;
  logger: Logger;
  /** The controller of a task this node runs (or ran and still holds). */
  controller(taskId: string): Controller | undefined;
}

export type LogSend = (subId: string, lines: WireLogLine[], end?: { done: true; error?: string }) => boolean;

interface Subscription {
  abort: AbortController;
  pending: WireLogLine[];
  timer: Timer | undefined;
  send: LogSend;
}

export class LogPublisher {
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly opts: LogPublisherOptions) {}

  get open(): number {
    return this.subs.size;
  }

  subscribe(m: LogsSubscribe, send: LogSend): void {
    this.cancel(m.subId);
    const sub: Subscription = { abort: new AbortController(), pending: [], timer: undefined, send };
    this.subs.set(m.subId, sub);
    const readers = m.taskIds.map((taskId) => this.read(m, taskId, sub));
    void Promise.all(readers).then((errors) => {
      if (this.subs.get(m.subId) !== sub) return;
      this.flush(m.subId, sub);
      this.subs.delete(m.subId);
      const error = errors.filter((e): e is string => e !== undefined).join('; ');
      send(m.subId, [], error ? { done: true, error } : { done: true });
    });
  }

  cancel(subId: string): void {
    const sub = this.subs.get(subId);
    if (!sub) return;
    this.subs.delete(subId);
    sub.timer?.cancel();
    sub.abort.abort();
  }

  /** The session ended: every subscription goes with it (the broker subscribes again). */
  cancelAll(): void {
    for (const id of [...this.subs.keys()]) this.cancel(id);
  }

  /** Reads one task's output into the batch; resolves with an error message, if any. */
  private async read(m: LogsSubscribe, taskId: string, sub: Subscription): Promise<string | undefined> {
    const ctl = this.opts.controller(taskId);
    if (!ctl?.logs) return undefined;
    const streams = m.streams ?? [];
    try {
      for await (const line of ctl.logs({
        follow: m.follow,
        ...(m.tail !== undefined && { tail: m.tail }),
        ...(m.since !== undefined && { since: m.since }),
        ...(streams.length > 0 && { stdout: streams.includes('stdout'), stderr: streams.includes('stderr') }),
        signal: sub.abort.signal,
      })) {
        if (sub.abort.signal.aborted) break;
        this.add(m.subId, sub, taskId, line);
      }
      return undefined;
    } catch (e) {
      if (sub.abort.signal.aborted) return undefined;
      this.opts.logger.warn({ task: taskId, err: errorMessage(e) }, 'reading task logs failed');
      return `task ${taskId}: ${errorMessage(e)}`;
    }
  }

  private add(subId: string, sub: Subscription, taskId: string, l: TaskLogLine): void {
    sub.pending.push({
      taskId,
      stream: l.stream,
      timestamp: l.timestamp,
      data: Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength).toString('base64'),
    });
    if (sub.pending.length >= MAX_BATCH) this.flush(subId, sub);
    else sub.timer ??= this.opts.clock.setTimeout(() => this.flush(subId, sub), FLUSH_MS);
  }

  private flush(subId: string, sub: Subscription): void {
    sub.timer?.cancel();
    sub.timer = undefined;
    if (sub.pending.length === 0) return;
    const lines = sub.pending;
    sub.pending = [];
    if (!sub.send(subId, lines)) this.cancel(subId);
  }
}
