/**
 * AgentSession over a MemoryNetwork against a scripted dispatcher end: open and heartbeat
 * timeouts, heartbeats at the period given, sequence gaps, errors with a leader, a quiet
 * close. And the small pieces: Reporter (coalescing, holding, batches) and ManagerList.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nullLogger } from '../base/logger.ts';
import { runUntil, trackTimers } from '../executor/testing.ts';
import type { DispatcherLink } from '../manager/dispatcher/link.ts';
import { MemoryNetwork } from '../manager/dispatcher/memlink.ts';
import { type AgentMessage, type Assignments, emptyChanges } from '../manager/dispatcher/protocol.ts';
import { description, status } from '../manager/dispatcher/testkit.ts';
import { NodeClock, VirtualTime } from '../sim/time.ts';
import { ManagerList } from './managers.ts';
import { Reporter } from './reporter.ts';
import { AgentSession, type SessionEnd } from './session.ts';

async function setup() {
  const vt = new VirtualTime();
  const clock = trackTimers(new NodeClock(vt, 1));
  const net = new MemoryNetwork({ clock, latencyMs: 1 });
  const server: { link?: DispatcherLink; got: AgentMessage[] } = { got: [] };
  net.listen('m1', {
    accept(link) {
      server.link = link;
      link.attach({ onMessage: (m) => server.got.push(m), onClose() {} });
    },
  });
  const run = (cond: () => boolean, ms = 60_000) => runUntil(vt, cond, ms);
  let dialed: Awaited<ReturnType<ReturnType<MemoryNetwork['dialer']>['dial']>> | undefined;
  void net
    .dialer({ addr: 'w1' })
    .dial('m1')
    .then((r) => {
      dialed = r;
    });
  await run(() => dialed !== undefined);
  if (!dialed?.ok) throw new Error('dial failed');
  const ended: SessionEnd[] = [];
  const got: Assignments[] = [];
  const session = new AgentSession({
    link: dialed.link,
    addr: 'm1',
    nodeId: 'n1',
    description: description('h1'),
    clock,
    rpcTimeoutMs: 5_000,
    logger: nullLogger,
    handlers: {
      accepted() {},
      assignments: (_s, m) => got.push(m),
      managers() {},
      node() {},
      ended: (_s, why) => ended.push(why),
    },
  });
  const accept = (periodMs = 5_000) =>
    server.link?.send({
      kind: 'accepted',
      sessionId: 's1',
      heartbeatPeriodMs: periodMs,
      managers: [],
      node: {} as never,
    });
  return { vt, clock, net, server, run, session, ended, got, accept };
}

const assignments = (type: 'complete' | 'incremental', seq: number, appliesTo: number): Assignments => ({
  kind: 'assignments',
  type,
  seq,
  appliesTo,
  tasks: emptyChanges(),
  secrets: emptyChanges(),
  configs: emptyChanges(),
});

describe('AgentSession', () => {
  it('opens, then heartbeats at the period each answer gives', async () => {
    const s = await setup();
    await s.run(() => s.server.got.length > 0);
    assert.equal(s.server.got[0]?.kind, 'open');
    s.accept(2_000);
    const beats = () => s.server.got.filter((m) => m.kind === 'heartbeat').length;
    await s.run(() => beats() === 1, 10_000);
    const t1 = s.vt.now;
    s.server.link?.send({ kind: 'heartbeat', periodMs: 3_000 });
    await s.run(() => beats() === 2, 10_000);
    assert.ok(Math.abs(s.vt.now - t1 - 3_002) <= 2, `${s.vt.now - t1} ms`);
    assert.deepEqual(s.ended, []);
  });

  it('ends when open or a heartbeat gets no answer in time', async () => {
    const s = await setup();
    await s.run(() => s.ended.length > 0, 10_000);
    assert.deepEqual(s.ended, [{ kind: 'broken', reason: 'timed out waiting for the session to open' }]);
    const t = await setup();
    t.accept(1_000);
    await t.run(() => t.ended.length > 0, 20_000);
    assert.deepEqual(t.ended, [{ kind: 'broken', reason: 'heartbeat timed out' }]);
    await t.run(() => false, 100); // the close crosses the link
    assert.equal(t.clock.live, 0);
  });

  it('ends on a gap in the assignment sequence', async () => {
    const s = await setup();
    s.accept();
    s.server.link?.send(assignments('complete', 1, 0));
    s.server.link?.send(assignments('incremental', 2, 1));
    s.server.link?.send(assignments('incremental', 4, 3));
    await s.run(() => s.ended.length > 0, 1_000);
    assert.equal(s.got.length, 2);
    assert.deepEqual(s.ended, [{ kind: 'broken', reason: 'assignments out of sequence (3 after 2)' }]);
  });

  it('an error ends it, with the leader when there is one; close() is quiet', async () => {
    const s = await setup();
    s.server.link?.send({
      kind: 'error',
      code: 'not_leader',
      message: 'x',
      leader: { nodeId: 'm2', addr: 'm2' },
    });
    await s.run(() => s.ended.length > 0, 1_000);
    assert.deepEqual(s.ended, [
      { kind: 'error', code: 'not_leader', message: 'x', leader: { nodeId: 'm2', addr: 'm2' } },
    ]);
    const t = await setup();
    t.accept();
    await t.run(() => t.session.sessionId !== undefined, 1_000);
    t.session.close();
    await t.run(() => t.server.got.some((m) => m.kind === 'close'), 1_000);
    assert.deepEqual(t.ended, []);
    assert.equal(t.session.sendStatus([]), false);
  });
});

describe('Reporter', () => {
  it('coalesces per task (furthest wins), holds without a session, batches', () => {
    const vt = new VirtualTime();
    const clock = new NodeClock(vt, 1);
    const r = new Reporter({ clock, delayMs: 50, maxBatch: 2 });
    r.report('t1', status('preparing'));
    r.report('t1', status('running'));
    r.report('t1', status('starting'));
    r.report('t2', status('accepted'));
    r.report('t3', status('accepted'));
    const sent: string[][] = [];
    let up = false;
    r.connect((u) => {
      if (!up) return false;
      sent.push(u.map((x) => `${x.taskId}:${x.status.State}`));
      return true;
    });
    r.flush();
    assert.equal(r.queued, 3, 'a failed send keeps everything');
    up = true;
    r.flush();
    assert.deepEqual(sent, [['t1:running', 't2:accepted'], ['t3:accepted']]);
    r.disconnect();
    r.report('t2', status('running'));
    r.flush();
    assert.equal(sent.length, 2, 'nothing sent without a session');
    assert.equal(r.queued, 1);
  });
});

describe('ManagerList', () => {
  it('rotates on failure, follows redirects, takes the list a session brings', () => {
    const m = new ManagerList(['a', 'b']);
    assert.equal(m.next(), 'a');
    m.failed('a');
    assert.equal(m.next(), 'b');
    m.redirect({ nodeId: 'x', addr: 'c' });
    assert.equal(m.next(), 'c');
    assert.equal(m.next(), 'b', 'a redirect is used once');
    m.update(
      [
        { nodeId: 'x', addr: 'c' },
        { nodeId: 'y', addr: 'a' },
      ],
      'a',
    );
    assert.deepEqual(m.list, ['c', 'a']);
    assert.equal(m.next(), 'a', 'stays with the manager it is on');
    m.failed('a');
    assert.equal(m.next(), 'c');
  });
});
