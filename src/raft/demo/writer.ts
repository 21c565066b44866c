/**
 * A client that does not know who leads: it sends the same put to every member every
 * `intervalMs` (one request in flight per member) until one answers 200, i.e. the put is
 * committed and applied on a leader. The command carries a client id and sequence number,
 * so the copies that reach a leader are applied once. Used to measure failover: from a
 * leader's crash to the first write a new leader accepts.
 */
import type { NodeId } from '../core/types.ts';
import { memberApi, type PutRequest } from './client.ts';

export interface Accepted {
  member: NodeId;
  /** From the call to the 200 answer. */
  ms: number;
  /** Requests sent in all (refused, failed and the accepted one). */
  attempts: number;
}

export interface WriterOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** Deadline of one request (a member that hangs is asked again after it). */
  requestTimeoutMs?: number;
}

export function writeUntilAccepted(
  members: ReadonlyArray<{ id: NodeId; url: string }>,
  put: PutRequest,
  opts: WriterOptions = {},
): Promise<Accepted> {
  const intervalMs = opts.intervalMs ?? 10;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 2_000;
  const start = performance.now();
  const busy = new Set<NodeId>();
  let attempts = 0;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, a?: Accepted): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      if (err) reject(err);
      else resolve(a as Accepted);
    };
    const round = (): void => {
      if (done) return;
      if (performance.now() - start > timeoutMs) {
        finish(new Error(`no member accepted the write within ${timeoutMs} ms (${attempts} attempts)`));
        return;
      }
      for (const m of members) {
        if (busy.has(m.id)) continue;
        busy.add(m.id);
        attempts++;
        memberApi
          .put(m.url, put, requestTimeoutMs)
          .then(
            (r) => {
              if (r.status === 200)
                finish(undefined, { member: m.id, ms: performance.now() - start, attempts });
            },
            () => undefined,
          )
          .finally(() => busy.delete(m.id));
      }
    };
    const timer = setInterval(round, intervalMs);
    round();
  });
}
