/**
 * The closed-loop load generator behind POST /load: N clients inside the leader's
 * process, each proposing one put, waiting for it to be applied, then proposing the
 * next, for a fixed time. Measures committed proposals per second and the commit latency
 * (propose() call to its result, performance.now()). The clients share the leader's event
 * loop, so what they cost is part of the figure.
 */

import { NotLeaderError } from '../errors.ts';
import { encodeKv } from '../kv.ts';
import type { RaftNode } from '../node.ts';
import type { LoadRequest, LoadResult } from './client.ts';
import { summarize } from './stats.ts';

let runs = 0;

export async function runLoad(node: RaftNode, req: LoadRequest): Promise<LoadResult> {
  const clients = Math.max(1, Math.floor(req.clients));
  const valueBytes = Math.max(0, Math.floor(req.valueBytes));
  const value = 'v'.repeat(valueBytes);
  const run = `${process.pid}.${++runs}`;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let stop = false;
  const start = performance.now();
  const deadline = start + req.seconds * 1000;
  let entryBytes = 0;

  async function client(i: number): Promise<void> {
    const id = `load-${run}-${i}`;
    const key = `load-${i}`;
    for (let seq = 1; !stop && performance.now() < deadline; seq++) {
      const data = encodeKv({ op: 'put', key, value, client: id, seq });
      entryBytes = data.byteLength;
      const t0 = performance.now();
      try {
        await node.propose(data);
        latencies.push(performance.now() - t0);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
        // Without leadership every further proposal fails at once: stop, do not spin.
        if (e instanceof NotLeaderError) stop = true;
        else await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  const elapsedMs = performance.now() - start;
  const s = summarize(latencies);
  return {
    clients,
    seconds: req.seconds,
    valueBytes,
    committed: latencies.length,
    errors,
    firstError,
    elapsedMs,
    perSecond: (latencies.length * 1000) / elapsedMs,
    entryBytes,
    p50Ms: s.p50,
    p99Ms: s.p99,
    maxMs: s.max,
  };
}
