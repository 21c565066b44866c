/**
 * The dispatcher against scripted agents, on virtual time with a real store: registration,
 * heartbeats and their grace, broken sessions, leadership (redirects, a new leader's grace),
 * membership, and the cluster's heartbeat period.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NS_PER_MS } from '../../api/meta.ts';
import type { NodeState } from '../../api/node.ts';
import { newCluster } from '../../store/testing.ts';
import { NODE_MESSAGES, NOT_LEADER, NOT_MEMBER } from './protocol.ts';
import { type Harness, harness, newNode, RawAgent } from './testkit.ts';

/** Every state node `id` went through in the store, in order. */
function watchNode(h: Harness, id: string): NodeState[] {
  const seen: NodeState[] = [];
  h.store.subscribe(
    (events) => {
      for (const e of events) if (e.table === 'nodes' && e.object.ID === id) seen.push(e.object.Status.State);
    },
    { tables: ['nodes'] },
  );
  return seen;
}

const exact = { heartbeatEpsilonMs: 0 };

describe('Dispatcher: registration', () => {
  it('a node that connects is created READY with its address and description', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1', '10.0.0.1');
    assert.ok(await a.join(), 'await a.join()');
    const acc = a.last('accepted');
    assert.ok(acc, 'acc');
    assert.equal(acc.heartbeatPeriodMs, 5_000);
    assert.deepEqual(acc.managers, [{ nodeId: 'm1', addr: 'm1:2377' }]);
    assert.equal(acc.node.ID, 'n1');
    assert.equal(acc.node.Status.State, 'ready', 'accepted only once the node is written');
    const n = h.store.view((tx) => tx.nodes.get('n1'));
    assert.equal(n?.Status.State, 'ready');
    assert.equal(n?.Status.Addr, '10.0.0.1');
    assert.equal(n?.Description?.Hostname, 'host-n1');
    assert.equal(n?.Spec.Role, 'worker');
    const complete = a.messages[1];
    assert.equal(complete?.kind, 'assignments');
    assert.equal(complete.kind === 'assignments' && complete.type, 'complete');
  });

  it('an existing node keeps its spec; only status and description change', async () => {
    const h = harness();
    await h.store.update((tx) =>
      tx.nodes.create(
        newNode('n1', 'old', { Spec: { Role: 'manager', Availability: 'drain' }, Status: { State: 'down' } }),
      ),
    );
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    const n = h.store.view((tx) => tx.nodes.get('n1'));
    assert.deepEqual(n?.Spec, { Role: 'manager', Availability: 'drain' });
    assert.equal(n?.Status.State, 'ready');
    assert.equal(n?.Description?.Hostname, 'host-n1');
  });

  it('with unknownNodes "refuse", a node the store does not know is not a member', async () => {
    const h = harness({ dispatcher: { unknownNodes: 'refuse' } });
    const a = new RawAgent(h, 'n9');
    assert.equal(await a.join(), false);
    assert.deepEqual(a.last('error'), { kind: 'error', code: 'not_member', message: NOT_MEMBER });
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.closedReason, 'closed by peer');
    assert.equal(h.nodeState('n9'), undefined);
  });

  it('a node deleted from the store loses its session and cannot come back', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    await h.store.update((tx) => tx.nodes.delete('n1'));
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.last('error')?.code, 'not_member');
    const b = new RawAgent(h, 'n1');
    assert.equal(await b.join(), false);
    assert.equal(b.last('error')?.message, NOT_MEMBER);
    assert.equal(h.nodeState('n1'), undefined);
  });

  it('an authenticated link cannot open a session for another node', async () => {
    const h = harness();
    const r = await h.dial({ addr: '10.0.0.5', nodeId: 'n5' }, 'm1:2377');
    assert.ok(r.ok, 'r.ok');
    const got: string[] = [];
    r.link.attach({ onMessage: (m) => got.push(m.kind === 'error' ? m.message : m.kind), onClose() {} });
    r.link.send({ kind: 'open', nodeId: 'n6', description: { Hostname: 'x' } as never });
    await h.run(() => got.length > 0, 1_000);
    assert.deepEqual(got, ['session invalid: node id does not match the link']);
    assert.equal(h.nodeState('n6'), undefined);
  });

  it('a newer session replaces the older one', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    const b = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    assert.ok(await b.join(), 'await b.join()');
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.last('error')?.message, 'session invalid: replaced by a newer session');
    assert.notEqual(a.sessionId, b.sessionId);
    assert.equal(h.nodeState('n1'), 'ready', 'the older link closing does not disconnect the node');
    assert.equal(h.dispatcher().stats().phases.connected, 1);
  });

  it('a message on an unknown session is refused', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.connect(), 'await a.connect()');
    a.link?.send({ kind: 'heartbeat', sessionId: 'nope' });
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.last('error')?.message, 'session invalid: unknown session');
  });
});

describe('Dispatcher: heartbeats', () => {
  it('heartbeats keep a node READY for as long as they come', async () => {
    const h = harness();
    const seen = watchNode(h, 'n1');
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    a.startBeating();
    await h.advance(120_000);
    assert.equal(h.nodeState('n1'), 'ready');
    assert.deepEqual(seen, ['ready']);
    const acks = a.all('heartbeat');
    assert.ok(acks.length >= 22, `${acks.length} heartbeats answered`);
    for (const ack of acks) assert.ok(ack.periodMs >= 4_500 && ack.periodMs <= 5_500, `${ack.periodMs} ms`);
    a.stopBeating();
  });

  it('a node silent for three periods is marked DOWN ("heartbeat failure")', async () => {
    const h = harness({ dispatcher: exact });
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    const t0 = h.vt.now;
    a.heartbeat(); // one beat, then silence
    await h.run(() => a.messages.some((m) => m.kind === 'heartbeat'), 1_000);
    const beatAt = h.vt.now;
    await h.run(() => h.nodeState('n1') !== 'ready', 60_000);
    const downAt = h.vt.now;
    assert.equal(h.nodeState('n1'), 'down');
    const n = h.store.view((tx) => tx.nodes.get('n1'));
    assert.equal(n?.Status.Message, NODE_MESSAGES.heartbeatFailure);
    assert.equal(n?.Status.Addr, a.addr, 'the last address is kept');
    // Deadline: 3 periods after the last heartbeat arrived; written within one batch interval.
    assert.ok(downAt - beatAt >= 15_000 - 2, `down ${downAt - beatAt} ms after the last beat`);
    assert.ok(downAt - beatAt <= 15_000 + 150, `down ${downAt - beatAt} ms after the last beat`);
    assert.ok(downAt - t0 > 15_000, 'downAt - t0 > 15_000');
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.last('error')?.message, 'session invalid: heartbeat failure');
  });

  it('the cluster heartbeat period is used (and told to agents)', async () => {
    const h = harness({ dispatcher: exact });
    const c = newCluster('c1');
    await h.store.update((tx) =>
      tx.clusters.create({ ...c, Spec: { ...c.Spec, Dispatcher: { HeartbeatPeriod: 2_000 * NS_PER_MS } } }),
    );
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    assert.equal(a.last('accepted')?.heartbeatPeriodMs, 2_000);
    const t0 = h.vt.now;
    await h.run(() => h.nodeState('n1') === 'down', 60_000);
    assert.ok(h.vt.now - t0 <= 6_000 + 150, `down after ${h.vt.now - t0} ms`);
  });
});

describe('Dispatcher: broken sessions', () => {
  it('a broken link marks the node DISCONNECTED; back within the grace it is READY again', async () => {
    const h = harness();
    const seen = watchNode(h, 'n1');
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    const first = a.sessionId;
    h.net.sever(a.addr);
    await h.run(() => h.nodeState('n1') === 'disconnected', 1_000);
    assert.equal(
      h.store.view((tx) => tx.nodes.get('n1')?.Status.Message),
      NODE_MESSAGES.disconnected,
    );
    await h.advance(10_000);
    assert.ok(await a.join('m1:2377', first), 'await a.join("m1:2377", first)');
    assert.equal(a.sessionId, first, 'the dispatcher kept the session id it knew');
    a.startBeating();
    await h.advance(30_000);
    assert.deepEqual(seen, ['ready', 'disconnected', 'ready']);
    a.stopBeating();
  });

  it('a node that does not come back within the grace is DOWN', async () => {
    const h = harness({ dispatcher: exact });
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    h.net.sever(a.addr);
    await h.run(() => h.nodeState('n1') === 'disconnected', 1_000);
    const t0 = h.vt.now;
    await h.run(() => h.nodeState('n1') === 'down', 60_000);
    assert.ok(h.vt.now - t0 >= 14_800 && h.vt.now - t0 <= 15_200, `${h.vt.now - t0} ms`);
    assert.equal(
      h.store.view((tx) => tx.nodes.get('n1')?.Status.Message),
      NODE_MESSAGES.disconnectedExpired,
    );
  });

  it('an agent that closes its session is DISCONNECTED, then DOWN if it stays away', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    a.close();
    await h.run(() => h.nodeState('n1') === 'disconnected', 1_000);
    await h.run(() => h.nodeState('n1') === 'down', 30_000);
    assert.equal(h.dispatcher().stats().phases.disconnected, 0, 'no longer tracked');
  });

  it('a silent partition is caught by the missing heartbeats', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    a.startBeating();
    await h.advance(20_000);
    h.net.blackhole(a.addr);
    await h.run(() => h.nodeState('n1') === 'down', 30_000);
    assert.equal(h.nodeState('n1'), 'down');
    a.stopBeating();
  });
});

describe('Dispatcher: leadership', () => {
  it('a dispatcher on a follower answers with the leader, and the agent is accepted there', async () => {
    const h = harness({ managers: 3 });
    const a = new RawAgent(h, 'n1');
    assert.equal(await a.join('m2:2377'), false);
    assert.deepEqual(a.last('error'), {
      kind: 'error',
      code: 'not_leader',
      message: NOT_LEADER,
      leader: { nodeId: 'm1', addr: 'm1:2377' },
    });
    assert.equal(h.nodeState('n1'), undefined, 'a follower writes nothing');
    assert.ok(await a.join('m1:2377'), 'await a.join("m1:2377")');
    assert.deepEqual(
      a.last('accepted')?.managers.map((m) => m.nodeId),
      ['m1', 'm2', 'm3'],
    );
  });

  it('a leader change marks no healthy node down, and sessions move to the new leader', async () => {
    const h = harness({ managers: 2 });
    const agents = [1, 2, 3, 4].map((i) => new RawAgent(h, `n${i}`));
    for (const a of agents) assert.ok(await a.join(), 'await a.join()');
    for (const a of agents) a.startBeating();
    const seen = agents.map((a) => watchNode(h, a.nodeId));
    await h.advance(7_000);
    h.elect('m2');
    await h.run(() => agents.every((a) => a.closedReason !== undefined), 1_000);
    for (const a of agents) assert.equal(a.last('error')?.leader?.nodeId, 'm2');
    // n4 stays away; the others come back after a while (elections take time).
    await h.advance(8_000);
    for (const a of agents.slice(0, 3)) {
      assert.ok(await a.join('m2:2377'), 'await a.join("m2:2377")');
      a.startBeating();
    }
    await h.advance(30_000);
    for (const a of agents.slice(0, 3)) assert.equal(h.nodeState(a.nodeId), 'ready');
    for (const s of seen.slice(0, 3)) assert.ok(!s.includes('down'), `states: ${s.join(',')}`);
    assert.equal(h.nodeState('n4'), 'down', 'a node that never came back is down after the grace');
    assert.equal(
      h.store.view((tx) => tx.nodes.get('n4')?.Status.Message),
      NODE_MESSAGES.unknownExpired,
    );
    for (const a of agents) a.stopBeating();
  });

  it('a crashed manager refuses dials; its agents fail over', async () => {
    const h = harness({ managers: 2 });
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    h.crash('m1');
    await h.run(() => a.closedReason !== undefined, 1_000);
    assert.equal(a.closedReason, 'connection reset');
    assert.equal(await a.connect('m1:2377'), false);
    h.directory.setLeader('m2');
    h.dispatcher('m2').start();
    assert.ok(await a.join('m2:2377'), 'await a.join("m2:2377")');
    assert.equal(h.nodeState('n1'), 'ready');
  });

  it('the manager list reaches connected agents when it changes', async () => {
    const h = harness({ managers: 2 });
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    h.directory.setManagers([...h.peers, { nodeId: 'm3', addr: 'm3:2377' }]);
    await h.run(() => a.last('managers') !== undefined, 1_000);
    assert.deepEqual(
      a.last('managers')?.managers.map((m) => m.addr),
      ['m1:2377', 'm2:2377', 'm3:2377'],
    );
  });

  it('stop() leaves nothing behind', async () => {
    const h = harness();
    const a = new RawAgent(h, 'n1');
    assert.ok(await a.join(), 'await a.join()');
    h.dispatcher().stop();
    await h.advance(60_000);
    assert.equal(h.net.openEnds, 0);
    assert.equal(h.clock.live, 0, 'no timer left');
    assert.equal(h.nodeState('n1'), 'ready', 'a stopped dispatcher writes nothing');
  });
});
