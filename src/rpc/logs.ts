/**
 * Task logs across the cluster: what the Logs service serves and its clients receive.
 * A LogsBackend answers a subscription with batches of lines; the real one (later) asks
 * the agents of the selected tasks' nodes for their executors' output, as swarmkit's log
 * broker does; MemoryLogsBackend (logs-memory.ts) is its in-memory twin.
 *
 *   `docker service logs web` on a follower ─▶ subscribeLogs(leader, {serviceIds: [web]})
 *       ─▶ Logs.SubscribeLogs ─▶ backend.subscribe(sub, signal) ─▶ batches ─▶ LogBatch stream
 *   the caller stops (break, abort) ─▶ call cancelled ─▶ signal aborted ─▶ backend stops
 *
 * Pulled, not pushed: the service asks the backend for the next batch only once the
 * previous one was written (or drained), so a slow reader slows its subscription instead
 * of filling memory.
 */
import type { TaskLogLine } from '../executor/executor.ts';

export type LogStreamName = TaskLogLine['stream'];

/** Matches a line from ANY listed service, node or task (swarmkit's LogSelector). */
export interface LogSelector {
  serviceIds?: readonly string[];
  nodeIds?: readonly string[];
  taskIds?: readonly string[];
}

export interface LogSubscription {
  selector: LogSelector;
  /** Keep streaming new lines until the subscriber stops. */
  follow: boolean;
  /** Only the last n lines of each task present when the subscription starts. */
  tail?: number;
  /** Only lines at or after this wall-clock time (ms since the epoch). */
  since?: number;
  /** Which streams; both when absent or empty. */
  streams?: readonly LogStreamName[];
}

export interface LogContext {
  serviceId: string;
  nodeId: string;
  taskId: string;
}

/** One line of a task's output, with where it came from. */
export interface LogRecord extends TaskLogLine {
  context: LogContext;
}

export interface LogsBackend {
  /**
   * Batches of matching lines, oldest first: those present now (after `tail` and
   * `since`), then, with `follow`, new ones as they come, until `signal` aborts. Ends
   * (returns) when there is nothing more to send; throws when it cannot go on.
   */
  subscribe(sub: LogSubscription, signal: AbortSignal): AsyncIterable<readonly LogRecord[]>;
}

/** Whether `r` is selected by `sub` (selector, streams, since; not tail). */
export function matches(sub: LogSubscription, r: LogRecord): boolean {
  const s = sub.selector;
  const selected =
    (s.serviceIds?.includes(r.context.serviceId) ?? false) ||
    (s.nodeIds?.includes(r.context.nodeId) ?? false) ||
    (s.taskIds?.includes(r.context.taskId) ?? false);
  if (!selected) return false;
  if (sub.streams !== undefined && sub.streams.length > 0 && !sub.streams.includes(r.stream)) return false;
  return sub.since === undefined || r.timestamp >= sub.since;
}

/** Whether the selector selects anything at all. */
export function selectsSomething(s: LogSelector): boolean {
  return (s.serviceIds?.length ?? 0) + (s.nodeIds?.length ?? 0) + (s.taskIds?.length ?? 0) > 0;
}
