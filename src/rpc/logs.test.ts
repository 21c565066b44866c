/**
 * Task logs over the Logs service (logs-service.ts, logs-client.ts) from the in-memory
 * backend (logs-memory.ts), over real sockets: selection by service, task and node, tail
 * per task, streams and since; following new lines; stopping (abort, break) ends the
 * subscription on the server; many lines arrive whole and in order.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { LogRecord, LogSubscription } from './logs.ts';
import { subscribeLogs } from './logs-client.ts';
import { MemoryLogsBackend } from './logs-memory.ts';
import { RpcError } from './status.ts';
import { Cleanup, channels, nodeTls, startServer, testCa, waitFor } from './testkit.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();
const text = new TextDecoder();

let ts = 1_000;
function line(
  serviceId: string,
  taskId: string,
  s: string,
  stream: 'stdout' | 'stderr' = 'stdout',
): LogRecord {
  return {
    context: { serviceId, taskId, nodeId: `node-of-${taskId}` },
    stream,
    timestamp: ts++,
    data: new TextEncoder().encode(s),
  };
}

async function setupLogs() {
  const backend = new MemoryLogsBackend(100);
  const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), logs: backend });
  cleanup.add(s.server, (x) => x.close());
  const ch = cleanup.add(channels(await nodeTls(ca, 'm2', 'manager')), (c) => c.close());
  const all = async (sub: LogSubscription): Promise<string[]> => {
    const out: string[] = [];
    for await (const batch of subscribeLogs(ch, s.addr, sub))
      for (const l of batch) out.push(text.decode(l.data));
    return out;
  };
  return { backend, s, ch, all };
}

describe('Logs', () => {
  it('sends the lines selected now, then ends (no follow)', async () => {
    const { backend, all } = await setupLogs();
    backend.append(
      line('s1', 't1', 'a1'),
      line('s2', 't9', 'other'),
      line('s1', 't2', 'b1', 'stderr'),
      line('s1', 't1', 'a2'),
      line('s1', 't2', 'b2'),
    );
    assert.deepEqual(await all({ selector: { serviceIds: ['s1'] }, follow: false }), [
      'a1',
      'b1',
      'a2',
      'b2',
    ]);
    assert.deepEqual(await all({ selector: { taskIds: ['t2'] }, follow: false }), ['b1', 'b2']);
    assert.deepEqual(await all({ selector: { nodeIds: ['node-of-t9'] }, follow: false }), ['other']);
    assert.deepEqual(await all({ selector: { serviceIds: ['s1'] }, follow: false, tail: 1 }), ['a2', 'b2']);
    assert.deepEqual(await all({ selector: { serviceIds: ['s1'] }, follow: false, streams: ['stderr'] }), [
      'b1',
    ]);
    assert.deepEqual(await all({ selector: { serviceIds: ['s1'] }, follow: false, since: ts - 2 }), [
      'a2',
      'b2',
    ]);
  });

  it('follows new lines until aborted; the subscription then ends on the server', async () => {
    const { backend, s, ch } = await setupLogs();
    backend.append(line('s1', 't1', 'old'));
    const ac = new AbortController();
    const got: LogRecord[] = [];
    const done = (async () => {
      for await (const batch of subscribeLogs(
        ch,
        s.addr,
        { selector: { serviceIds: ['s1'] }, follow: true },
        ac.signal,
      ))
        got.push(...batch);
    })();
    await waitFor('the old line', () => got.length === 1);
    backend.append(line('s2', 't9', 'not mine'), line('s1', 't3', 'new'));
    await waitFor('the new line', () => got.length === 2);
    assert.equal(text.decode(got[1]?.data), 'new');
    assert.deepEqual(got[1]?.context, { serviceId: 's1', taskId: 't3', nodeId: 'node-of-t3' });
    assert.equal(backend.stats.open, 1);
    assert.equal(s.server.stats().subscriptions, 1);
    ac.abort();
    await done;
    await waitFor('backend subscription closed', () => backend.stats.open === 0);
    await waitFor('server subscription closed', () => s.server.stats().subscriptions === 0);
  });

  it('stopping the iteration (break) cancels the call', async () => {
    const { backend, s, ch } = await setupLogs();
    backend.append(line('s1', 't1', 'x'));
    for await (const _ of subscribeLogs(ch, s.addr, { selector: { serviceIds: ['s1'] }, follow: true }))
      break;
    await waitFor('backend subscription closed', () => backend.stats.open === 0);
  });

  it('carries many lines whole and in order', async () => {
    const { backend, all } = await setupLogs();
    const big = 'y'.repeat(1000);
    for (let i = 0; i < 5_000; i++) backend.append(line('s1', `t${i % 7}`, `${i} ${big}`));
    const got = await all({ selector: { serviceIds: ['s1'] }, follow: false });
    assert.equal(got.length, 5_000);
    assert.ok(got.every((l, i) => l === `${i} ${big}`));
  });

  it('refuses a subscription that selects nothing', async () => {
    const { all } = await setupLogs();
    await assert.rejects(
      all({ selector: {}, follow: false }),
      (e: unknown) => e instanceof RpcError && e.status === grpc.status.INVALID_ARGUMENT,
    );
  });
});
