/**
 * Session links over a real unix socket (socketlink.ts), on the real clock: the raw link
 * behaviours (many links on one connection, order, close after earlier messages, refused
 * dials, a broken connection, a corrupt stream), then a real Dispatcher and real Agents
 * over it: open, heartbeats, assignments, statuses, close, and the connection breaking
 * (the agents reconnect, the node comes back READY).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Agent } from '../../agent/agent.ts';
import { realClock } from '../../base/clock.ts';
import { SeededRng } from '../../base/rng.ts';
import { FakeExecutor } from '../../executor/fake/executor.ts';
import { MemoryStore } from '../../store/index.ts';
import { newCluster } from '../../store/testing.ts';
import { StaticDirectory } from './directory.ts';
import { Dispatcher } from './dispatcher.ts';
import type { DispatcherLink } from './link.ts';
import type { AgentMessage, DispatcherMessage } from './protocol.ts';
import { SessionSocketClient, SessionSocketServer } from './socketlink.ts';
import { assignedTask } from './testkit.ts';

const dir = mkdtempSync(join(tmpdir(), 'shoal-socketlink-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const sockPath = () => join(dir, `s${++n}.sock`);

async function until(cond: () => boolean, ms = 5_000): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** A server that records every link it accepts, and a client resolving "m1" to it. */
async function pair(opts: { trustNodeIds?: boolean } = {}) {
  const path = sockPath();
  const links: Array<{ link: DispatcherLink; got: AgentMessage[]; closed: string[] }> = [];
  const server = new SessionSocketServer({
    ...opts,
    acceptor: {
      accept(link) {
        const rec = { link, got: [] as AgentMessage[], closed: [] as string[] };
        links.push(rec);
        link.attach({ onMessage: (m) => rec.got.push(m), onClose: (r) => rec.closed.push(r) });
      },
    },
  });
  await server.listen({ path });
  const client = new SessionSocketClient({ resolve: () => ({ path }) });
  return { path, server, client, links };
}

async function dialed(client: SessionSocketClient, from = 'w1', nodeId?: string) {
  const r = await client.dialer(nodeId ? { addr: from, nodeId } : { addr: from }).dial('m1');
  assert.ok(r.ok, 'dial ok');
  const c = { link: r.link, got: [] as DispatcherMessage[], closed: [] as string[] };
  r.link.attach({ onMessage: (m) => c.got.push(m), onClose: (why) => c.closed.push(why) });
  return c;
}

const beat = (i: number): AgentMessage => ({ kind: 'heartbeat', sessionId: String(i) });

describe('SessionSocketServer / SessionSocketClient', () => {
  it('carries many links over one connection, in order per link, both ways', async () => {
    const { server, client, links } = await pair();
    const agents = await Promise.all([0, 1, 2].map((i) => dialed(client, `w${i}`)));
    for (let i = 0; i < 300; i++) agents[i % 3]?.link.send(beat(i));
    assert.ok(await until(() => links.reduce((s, l) => s + l.got.length, 0) === 300));
    assert.equal(server.stats.connections, 1, 'one connection for every link');
    assert.deepEqual(
      links.map((l) => l.link.remote.addr).sort(),
      ['w0', 'w1', 'w2'],
      'each link knows who dialed',
    );
    for (const l of links) {
      const seq = l.got.map((m) => (m.kind === 'heartbeat' ? Number(m.sessionId) : -1));
      assert.deepEqual(
        seq,
        [...seq].sort((a, b) => a - b),
      );
      assert.equal(seq.length, 100);
    }
    links[1]?.link.send({ kind: 'heartbeat', periodMs: 42 });
    assert.ok(await until(() => agents.some((a) => a.got.length > 0)));
    assert.equal(agents.filter((a) => a.got.length > 0).length, 1, 'only that link got it');
    client.close();
    await server.close();
  });

  it('a close reaches the other end after the messages sent before it', async () => {
    const { server, client, links } = await pair();
    const a = await dialed(client);
    a.link.send(beat(1));
    a.link.close();
    assert.equal(a.link.send(beat(2)), false, 'a closed end sends nothing');
    assert.ok(await until(() => (links[0]?.closed.length ?? 0) > 0));
    assert.equal(links[0]?.got.length, 1);
    assert.deepEqual(links[0]?.closed, ['closed by peer']);
    assert.deepEqual(a.closed, [], 'the closing end hears nothing');
    // The server end closing: the agent's end hears it; the connection stays for others.
    const b = await dialed(client, 'w2');
    assert.ok(await until(() => links.length === 2));
    links[1]?.link.send({ kind: 'heartbeat', periodMs: 1 });
    links[1]?.link.close();
    assert.ok(await until(() => b.closed.length > 0));
    assert.equal(b.got.length, 1);
    assert.deepEqual(b.closed, ['closed by peer']);
    assert.equal(server.stats.connections, 1);
    client.close();
    await server.close();
  });

  it('a dial to nobody is refused, as a value', async () => {
    const client = new SessionSocketClient({ resolve: () => ({ path: join(dir, 'nobody.sock') }) });
    const r = await client.dialer({ addr: 'w1' }).dial('m9:2377');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error.message, /connection refused: m9:2377/);
    assert.equal(r.ok ? '' : r.error.code, 'unavailable');
  });

  it('a broken connection closes every link on both sides; the next dial connects again', async () => {
    const { server, client, links } = await pair();
    const a = await dialed(client, 'w1');
    const b = await dialed(client, 'w2');
    assert.ok(await until(() => links.length === 2));
    assert.equal(server.sever(), 1);
    assert.ok(await until(() => a.closed.length > 0 && b.closed.length > 0));
    assert.deepEqual([...a.closed, ...b.closed], ['connection reset', 'connection reset']);
    assert.deepEqual(
      links.map((l) => l.closed),
      [['connection reset'], ['connection reset']],
    );
    const c = await dialed(client, 'w1');
    c.link.send(beat(7));
    assert.ok(await until(() => links[2]?.got.length === 1));
    assert.equal(server.stats.connections, 2);
    // And from the client's side.
    assert.equal(client.sever(), 1);
    assert.ok(await until(() => links[2]?.closed[0] === 'connection reset'));
    assert.deepEqual(c.closed, ['connection reset']);
    client.close();
    await server.close();
  });

  it('a corrupt stream breaks the connection, not the process', async () => {
    const { path, server, links } = await pair();
    const s = connect({ path });
    await new Promise((r) => s.once('connect', r));
    // OPEN link 1, then a frame whose JSON is garbage.
    const open = Buffer.from(JSON.stringify({ addr: 'x' }));
    const head = Buffer.alloc(9);
    head.writeUInt32BE(5 + open.length, 0);
    head.writeUInt32BE(1, 4);
    head[8] = 1;
    const bad = Buffer.from([0, 0, 0, 8, 0, 0, 0, 1, 2, 0x7b, 0x7b, 0x7b]);
    s.write(Buffer.concat([head, open, bad]));
    assert.ok(await until(() => links[0]?.closed.length === 1));
    assert.deepEqual(links[0]?.closed, ['protocol error']);
    assert.ok(await until(() => s.destroyed || s.readableEnded));
    s.destroy();
    await server.close();
  });

  it('a trusted server takes the node id the dialer claims; otherwise it does not', async () => {
    const trusting = await pair({ trustNodeIds: true });
    await dialed(trusting.client, 'w1', 'node-1');
    assert.ok(await until(() => trusting.links.length === 1));
    assert.equal(trusting.links[0]?.link.remote.nodeId, 'node-1');
    const plain = await pair();
    await dialed(plain.client, 'w1', 'node-1');
    assert.ok(await until(() => plain.links.length === 1));
    assert.equal(plain.links[0]?.link.remote.nodeId, undefined);
    for (const p of [trusting, plain]) {
      p.client.close();
      await p.server.close();
    }
  });
});

describe('a Dispatcher and Agents over a socket', () => {
  async function swarm() {
    const path = sockPath();
    const store = MemoryStore.local({ clock: realClock });
    // A short heartbeat period, so heartbeats are seen within the test.
    await store.update((tx) => {
      const c = newCluster('c1');
      tx.clusters.create({ ...c, Spec: { ...c.Spec, Dispatcher: { HeartbeatPeriod: 100e6 } } });
    });
    const dispatcher = new Dispatcher({
      store,
      clock: realClock,
      rng: new SeededRng(1),
      self: { nodeId: 'm1', addr: 'm1:2377' },
      directory: new StaticDirectory([{ nodeId: 'm1', addr: 'm1:2377' }], 'm1'),
      heartbeatEpsilonMs: 10,
      batchIntervalMs: 10,
      assignmentDelayMs: 5,
    });
    dispatcher.start();
    const server = new SessionSocketServer({ acceptor: dispatcher });
    await server.listen({ path });
    const client = new SessionSocketClient({ resolve: () => ({ path }) });
    const agents: Agent[] = [];
    const start = async (nodeId: string) => {
      const agent = new Agent({
        nodeId,
        executor: new FakeExecutor({ clock: realClock, hostname: nodeId }),
        dialer: client.dialer({ addr: `10.0.0.${agents.length + 1}` }),
        managers: ['m1:2377'],
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
    const stop = async () => {
      for (const a of agents) await a.stop();
      dispatcher.dispose();
      client.close();
      await server.close();
    };
    return { store, dispatcher, server, client, start, nodeState, taskState, stop };
  }

  it('open, heartbeats, assignments and statuses', async () => {
    const s = await swarm();
    await s.start('n1');
    await s.start('n2');
    assert.ok(await until(() => s.nodeState('n1') === 'ready' && s.nodeState('n2') === 'ready'));
    assert.equal(
      s.store.view((tx) => tx.nodes.get('n1')?.Status.Addr),
      '10.0.0.1',
    );
    assert.equal(s.server.stats.connections, 1, 'both agents share one connection');
    // Assignments down, statuses up.
    await s.store.update((tx) => {
      tx.tasks.create(assignedTask('t1', 'n1'));
      tx.tasks.create(assignedTask('t2', 'n2'));
    });
    assert.ok(await until(() => s.taskState('t1') === 'running' && s.taskState('t2') === 'running'));
    // Heartbeats keep the nodes READY well past three periods (100 ms each).
    const before = s.server.stats.received;
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(s.server.stats.received - before >= 8, `heartbeats: ${s.server.stats.received - before}`);
    assert.equal(s.nodeState('n1'), 'ready');
    // A desired-state change reaches the agent; the task stops.
    await s.store.update((tx) => {
      const t = tx.tasks.get('t1');
      if (t) tx.tasks.update(t, { DesiredState: 'shutdown' });
    });
    assert.ok(await until(() => s.taskState('t1') === 'shutdown'));
    assert.equal(s.dispatcher.stats().links, 2);
    await s.stop();
  });

  it('a closed session leaves the node DISCONNECTED; a broken connection brings it back READY', async () => {
    const s = await swarm();
    const a1 = await s.start('n1');
    await s.start('n2');
    assert.ok(await until(() => s.nodeState('n1') === 'ready' && s.nodeState('n2') === 'ready'));
    await a1.stop();
    assert.ok(await until(() => s.nodeState('n1') === 'disconnected'));
    assert.equal(s.nodeState('n2'), 'ready', 'the other session on the connection is untouched');
    // The connection breaks under n2: it reconnects (a new connection) and is READY again.
    const sessions = s.dispatcher.stats().links;
    assert.equal(sessions, 1);
    assert.equal(s.server.sever(), 1);
    assert.ok(await until(() => s.server.stats.connections === 2 && s.dispatcher.stats().links === 1));
    assert.ok(await until(() => s.nodeState('n2') === 'ready'));
    await s.store.update((tx) => tx.tasks.create(assignedTask('t3', 'n2')));
    assert.ok(await until(() => s.taskState('t3') === 'running'));
    await s.stop();
  });
});
