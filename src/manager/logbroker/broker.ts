/**
 * LogBroker: the leader's end of cluster-wide task logs (swarmkit's log broker). A
 * subscription names services, nodes or tasks; the broker finds the selected tasks in the
 * store, asks each of their nodes' agents, over the node's dispatcher session, to read
 * those tasks' output (`logs-subscribe`), and merges what the agents publish (`logs`) into
 * one stream of batches. With `follow`, tasks that appear later (a scaled service, a
 * replacement) are subscribed to once their agent runs them.
 *
 *   subscribe(sub) ─▶ tasks in the store ─▶ per node: logs-subscribe{subId, taskIds}
 *   agents ─▶ logs{subId, lines} ─▶ publish() ─▶ the subscription's queue ─▶ batches
 *   no follow: ends when every node said done (or lost its session); follow: at abort
 *   abort ─▶ logs-cancel to every node still reading
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Task } from '../../api/task.ts';
import { atLeast } from '../../api/task-state.ts';
import type { Logger } from '../../base/logger.ts';
import type { LogRecord, LogSelector, LogSubscription, LogsBackend } from '../../rpc/logs.ts';
import type { MemoryStore } from '../../store/index.ts';
import type { LogSink } from '../dispatcher/dispatcher.ts';
import type { LogsCancel, LogsPublish, LogsSubscribe, WireLogLine } from '../dispatcher/protocol.ts';

const MAX_BATCH = 512;

export interface LogBrokerDispatcher {
  sendToNode(nodeId: string, m: LogsSubscribe | LogsCancel): boolean;
  setLogSink(sink: LogSink | undefined): void;
}

export interface LogBrokerOptions {
  store: MemoryStore;
  dispatcher: LogBrokerDispatcher;
  logger: Logger;
}

interface Route {
  nodeId: string;
  lines(lines: readonly WireLogLine[]): void;
  done(error?: string): void;
}

function selects(s: LogSelector, t: DeepReadonly<Task>): boolean {
  return (
    (s.serviceIds?.includes(t.ServiceID) ?? false) ||
    (t.NodeID !== undefined && (s.nodeIds?.includes(t.NodeID) ?? false)) ||
    (s.taskIds?.includes(t.ID) ?? false)
  );
}

/** A task whose agent has a controller for it: its output can be read. */
function readable(t: DeepReadonly<Task>): boolean {
  return t.NodeID !== undefined && t.NodeID !== '' && atLeast(t.Status.State, 'starting');
}

export class LogBroker implements LogsBackend, LogSink {
  private readonly routes = new Map<string, Route>();
  private seq = 0;

  constructor(private readonly opts: LogBrokerOptions) {
    opts.dispatcher.setLogSink(this);
  }

  /** Detaches from the dispatcher; open subscriptions end. */
  dispose(): void {
    this.opts.dispatcher.setLogSink(undefined);
    for (const [id, r] of [...this.routes]) {
      this.routes.delete(id);
      r.done('the log broker stopped');
    }
  }

  // ---- LogSink: what agents publish --------------------------------------------------

  publish(nodeId: string, m: LogsPublish): void {
    const r = this.routes.get(m.subId);
    if (!r || r.nodeId !== nodeId) return;
    if (m.lines.length > 0) r.lines(m.lines);
    if (m.done) {
      this.routes.delete(m.subId);
      r.done(m.error);
    }
  }

  sessionLost(nodeId: string): void {
    for (const [id, r] of [...this.routes]) {
      if (r.nodeId !== nodeId) continue;
      this.routes.delete(id);
      r.done(`node ${nodeId} is not available`);
    }
  }

  // ---- LogsBackend ---------------------------------------------------------------------

  async *subscribe(sub: LogSubscription, signal: AbortSignal): AsyncIterable<readonly LogRecord[]> {
    const { store, dispatcher } = this.opts;
    let queue: LogRecord[] = [];
    let wake: (() => void) | undefined;
    const poke = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const mine = new Set<string>();
    const asked = new Set<string>();
    const contexts = new Map<string, LogRecord['context']>();

    const ask = (nodeId: string, tasks: ReadonlyArray<DeepReadonly<Task>>): void => {
      const subId = `${++this.seq}`;
      for (const t of tasks) {
        asked.add(t.ID);
        contexts.set(t.ID, { serviceId: t.ServiceID, nodeId, taskId: t.ID });
      }
      this.routes.set(subId, {
        nodeId,
        lines: (lines) => {
          for (const l of lines) {
            queue.push({
              context: contexts.get(l.taskId) ?? { serviceId: '', nodeId, taskId: l.taskId },
              stream: l.stream,
              timestamp: l.timestamp,
              data: new Uint8Array(Buffer.from(l.data, 'base64')),
            });
          }
          poke();
        },
        done: (error) => {
          mine.delete(subId);
          if (error) this.opts.logger.warn({ node: nodeId, err: error }, 'logs incomplete');
          poke();
        },
      });
      mine.add(subId);
      const m: LogsSubscribe = {
        kind: 'logs-subscribe',
        subId,
        taskIds: tasks.map((t) => t.ID),
        follow: sub.follow,
        ...(sub.tail !== undefined && { tail: sub.tail }),
        ...(sub.since !== undefined && { since: sub.since }),
        ...(sub.streams !== undefined && { streams: sub.streams }),
      };
      if (!dispatcher.sendToNode(nodeId, m)) {
        this.routes.delete(subId);
        mine.delete(subId);
      }
    };

    const byNode = (tasks: ReadonlyArray<DeepReadonly<Task>>): void => {
      const groups = new Map<string, Array<DeepReadonly<Task>>>();
      for (const t of tasks) {
        if (asked.has(t.ID) || !readable(t) || !selects(sub.selector, t)) continue;
        const g = groups.get(t.NodeID as string) ?? [];
        g.push(t);
        groups.set(t.NodeID as string, g);
      }
      for (const [nodeId, g] of groups) ask(nodeId, g);
    };

    const onAbort = (): void => poke();
    signal.addEventListener('abort', onAbort);
    let unsubscribe: (() => void) | undefined;
    try {
      if (sub.follow) {
        unsubscribe = store.subscribe(
          (events) => {
            const changed: Array<DeepReadonly<Task>> = [];
            for (const e of events) {
              if (e.table === 'tasks' && e.kind !== 'delete') changed.push(e.object as DeepReadonly<Task>);
            }
            if (changed.length > 0) byNode(changed);
          },
          { tables: ['tasks'] },
        );
      }
      byNode(store.view((tx) => tx.tasks.all()));
      for (;;) {
        if (signal.aborted) return;
        if (queue.length > 0) {
          const batch = queue.length <= MAX_BATCH ? queue : queue.slice(0, MAX_BATCH);
          queue = queue.length <= MAX_BATCH ? [] : queue.slice(MAX_BATCH);
          yield batch;
          continue;
        }
        if (!sub.follow && mine.size === 0) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      unsubscribe?.();
      for (const subId of mine) {
        const r = this.routes.get(subId);
        this.routes.delete(subId);
        if (r) dispatcher.sendToNode(r.nodeId, { kind: 'logs-cancel', subId });
      }
    }
  }
}
