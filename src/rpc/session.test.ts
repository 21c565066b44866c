/**
 * Sessions over gRPC (session-dialer.ts, session-server.ts) on real sockets with mutual
 * TLS: the raw link behaviours (order both ways, close from either end after earlier
 * messages, refused and timed-out dials, a server shutting down), then a real Dispatcher
 * on a MemoryStore and real Agents on FakeExecutors: registration, assignments, statuses,
 * heartbeats, a follower's redirect, and a node that claims another node's id.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { Agent } from '../agent/agent.ts';
import { realClock } from '../base/clock.ts';
import { SeededRng } from '../base/rng.ts';
import { FakeExecutor } from '../executor/fake/executor.ts';
import { StaticDirectory } from '../manager/dispatcher/directory.ts';
import { Dispatcher } from '../manager/dispatcher/dispatcher.ts';
import type { AgentLink } from '../manager/dispatcher/link.ts';
import type { DispatcherMessage } from '../manager/dispatcher/protocol.ts';
import { assignedTask, description } from '../manager/dispatcher/testkit.ts';
import { MemoryStore } from '../store/index.ts';
import { newCluster } from '../store/testing.ts';
import { GrpcSessionDialer } from './session-dialer.ts';
import { Cleanup, channels, nodeTls, RecordingAcceptor, startServer, testCa, waitFor } from './testkit.ts';

const cleanup = new Cleanup();
after(() => cleanup.run());
const ca = await testCa();

async function dialer(nodeId: string, connectTimeoutMs = 3_000): Promise<GrpcSessionDialer> {
  const ch = cleanup.add(channels(await nodeTls(ca, nodeId, 'worker')), (c) => c.close());
  return new GrpcSessionDialer({ channels: ch, connectTimeoutMs, closeGraceMs: 500 });
}

function record(link: AgentLink) {
  const rec = { got: [] as DispatcherMessage[], closed: [] as string[] };
  link.attach({ onMessage: (m) => rec.got.push(m), onClose: (r) => rec.closed.push(r) });
  return rec;
}

const beat = (i: number) => ({ kind: 'heartbeat' as const, sessionId: String(i) });
const ack = (i: number): DispatcherMessage => ({ kind: 'heartbeat', periodMs: i });

describe('gRPC session links', () => {
  it('carry messages in order both ways; a close by the agent follows its messages', async () => {
    const acceptor = new RecordingAcceptor();
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), dispatcher: acceptor });
    cleanup.add(s.server, (x) => x.close());
    const d = await (await dialer('w1')).dial(s.addr);
    assert.ok(d.ok);
    const agent = record(d.link);
    for (let i = 0; i < 300; i++) d.link.send(beat(i));
    await waitFor('300 messages up', () => acceptor.links[0]?.got.length === 300);
    const server = acceptor.links[0];
    assert.ok(server);
    assert.deepEqual(
      server.got.map((m) => (m.kind === 'heartbeat' ? Number(m.sessionId) : -1)),
      [...Array(300).keys()],
    );
    for (let i = 0; i < 300; i++) server.link.send(ack(i));
    await waitFor('300 messages down', () => agent.got.length === 300);
    assert.deepEqual(
      agent.got.map((m) => (m.kind === 'heartbeat' ? m.periodMs : -1)),
      [...Array(300).keys()],
    );
    d.link.send(beat(300));
    d.link.close();
    assert.equal(d.link.send(beat(301)), false);
    await waitFor('closed by peer', () => server.closed.length === 1);
    assert.deepEqual(server.closed, ['closed by peer']);
    assert.equal(server.got.length, 301);
    assert.equal(server.link.closed, true);
    assert.deepEqual(agent.closed, [], 'no onClose after close()');
    await waitFor('session gone', () => s.server.stats().sessions === 0);
  });

  it('a close by the dispatcher follows its messages; the agent sees "closed by peer"', async () => {
    const acceptor = new RecordingAcceptor();
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), dispatcher: acceptor });
    cleanup.add(s.server, (x) => x.close());
    const d = await (await dialer('w2')).dial(s.addr);
    assert.ok(d.ok);
    await waitFor('accepted', () => acceptor.links.length === 1);
    const server = acceptor.links[0];
    assert.ok(server);
    // Sent before the agent attaches: held for its handler.
    server.link.send({ kind: 'error', code: 'not_leader', message: 'this manager is not the leader' });
    server.link.close();
    await new Promise((r) => setTimeout(r, 50));
    const agent = record(d.link);
    await waitFor('closed', () => agent.closed.length === 1);
    assert.equal(agent.got[0]?.kind, 'error');
    assert.deepEqual(agent.closed, ['closed by peer']);
    assert.deepEqual(server.closed, []);
  });

  it('dials fail as values: refused at once, timed out when nothing answers', async () => {
    const dd = await dialer('w3', 300);
    const refused = await dd.dial('127.0.0.1:1');
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'unavailable');
    // A listener that accepts TCP and never speaks TLS.
    const held: Socket[] = [];
    const silent = createServer((sock) => held.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const r = await dd.dial(`127.0.0.1:${port}`);
    assert.ok(!r.ok);
    assert.match(r.error.message, /connection timed out/);
    assert.ok(Date.now() - t0 < 2_000);
    for (const sock of held) sock.destroy();
    await new Promise((res) => silent.close(res));
  });

  it('a server shutting down breaks its sessions (UNAVAILABLE) on both ends', async () => {
    const acceptor = new RecordingAcceptor();
    const s = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), dispatcher: acceptor });
    const d = await (await dialer('w4')).dial(s.addr);
    assert.ok(d.ok);
    const agent = record(d.link);
    await waitFor('accepted', () => acceptor.links.length === 1);
    await s.server.close();
    await waitFor('agent end closed', () => agent.closed.length === 1);
    assert.deepEqual(agent.closed, ['manager shutting down']);
    assert.deepEqual(acceptor.links[0]?.closed, ['manager shutting down']);
  });
});

describe('a Dispatcher and Agents over gRPC', () => {
  async function swarm() {
    const store = MemoryStore.local({ clock: realClock });
    await store.update((tx) => {
      const c = newCluster('c1');
      tx.clusters.create({ ...c, Spec: { ...c.Spec, Dispatcher: { HeartbeatPeriod: 100e6 } } });
    });
    // Two managers: m1 leads, m2 follows (its dispatcher redirects).
    const directory = new StaticDirectory([], 'm1');
    const dispatcher = (self: { nodeId: string; addr: string }) =>
      new Dispatcher({
        store,
        clock: realClock,
        rng: new SeededRng(1),
        self,
        directory,
        heartbeatEpsilonMs: 10,
        batchIntervalMs: 10,
        assignmentDelayMs: 5,
      });
    const ref = { d1: undefined as Dispatcher | undefined, d2: undefined as Dispatcher | undefined };
    const late = (k: 'd1' | 'd2') => ({
      accept: (l: Parameters<Dispatcher['accept']>[0]) => ref[k]?.accept(l),
    });
    const s1 = await startServer({ tls: await nodeTls(ca, 'm1', 'manager'), dispatcher: late('d1') });
    const s2 = await startServer({ tls: await nodeTls(ca, 'm2', 'manager'), dispatcher: late('d2') });
    directory.setManagers([
      { nodeId: 'm1', addr: s1.addr },
      { nodeId: 'm2', addr: s2.addr },
    ]);
    ref.d1 = dispatcher({ nodeId: 'm1', addr: s1.addr });
    ref.d2 = dispatcher({ nodeId: 'm2', addr: s2.addr });
    ref.d1.start();
    const agents: Agent[] = [];
    const start = async (nodeId: string, managers = [s2.addr]) => {
      const agent = new Agent({
        nodeId,
        executor: new FakeExecutor({ clock: realClock, hostname: nodeId }),
        dialer: await dialer(nodeId),
        managers,
        clock: realClock,
        rng: new SeededRng(10 + agents.length),
        reportDelayMs: 5,
        backoff: { initialMs: 10, maxMs: 50 },
      });
      agents.push(agent);
      await agent.start();
      return agent;
    };
    const nodeState = (id: string) => store.view((tx) => tx.nodes.get(id)?.Status.State);
    const taskState = (id: string) => store.view((tx) => tx.tasks.get(id)?.Status.State);
    cleanup.add(null, async () => {
      for (const a of agents) await a.stop();
      ref.d1?.dispose();
      ref.d2?.dispose();
      await Promise.all([s1.server.close(), s2.server.close()]);
    });
    return { store, s1, s2, d1: ref.d1, start, nodeState, taskState };
  }

  it('registers through a follower, gets assignments, reports running', async () => {
    const w = await swarm();
    const a1 = await w.start('n1');
    await w.start('n2');
    await waitFor('nodes READY', () => w.nodeState('n1') === 'ready' && w.nodeState('n2') === 'ready');
    // READY is written before `accepted` is sent: wait for the agent to have it.
    await waitFor('redirected to the leader', () => a1.manager === w.s1.addr);
    assert.ok(a1.stats.redirects >= 1);
    assert.equal(
      w.store.view((tx) => tx.nodes.get('n1')?.Status.Addr),
      '127.0.0.1',
    );
    await w.store.update((tx) => {
      tx.tasks.create(assignedTask('t1', 'n1'));
      tx.tasks.create(assignedTask('t2', 'n2'));
    });
    await waitFor('tasks RUNNING', () => w.taskState('t1') === 'running' && w.taskState('t2') === 'running');
    // Heartbeats keep the nodes READY well past three periods (100 ms each).
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(w.nodeState('n1'), 'ready');
    await w.store.update((tx) => {
      const t = tx.tasks.get('t1');
      if (t) tx.tasks.update(t, { DesiredState: 'shutdown' });
    });
    await waitFor('t1 SHUTDOWN', () => w.taskState('t1') === 'shutdown');
    assert.equal(w.s1.server.stats().sessions, 2);
  });

  it("refuses a node that claims another node's id: the certificate wins", async () => {
    const w = await swarm();
    const d = await (await dialer('n7')).dial(w.s1.addr);
    assert.ok(d.ok);
    const rec = record(d.link);
    d.link.send({ kind: 'open', nodeId: 'n1-impostor', description: description('x') });
    await waitFor('refused', () => rec.closed.length === 1);
    const err = rec.got.find((m) => m.kind === 'error');
    assert.equal(err?.kind === 'error' && err.code, 'session_invalid');
    assert.equal(
      w.store.view((tx) => tx.nodes.get('n1-impostor')),
      undefined,
    );
  });
});
