/**
 * MemoryNetwork: order kept under random latency, close after the messages before it,
 * severed links, crashed managers refusing dials, silent partitions, copies through JSON.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../../base/rng.ts';
import { runUntil, trackTimers } from '../../executor/testing.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import type { AgentLink, DialResult, DispatcherLink } from './link.ts';
import { MemoryNetwork, type MemoryNetworkOptions } from './memlink.ts';
import type { AgentMessage, DispatcherMessage } from './protocol.ts';

function setup(opts: Partial<MemoryNetworkOptions> = {}) {
  const vt = new VirtualTime();
  const clock = trackTimers(new NodeClock(vt, 1));
  const net = new MemoryNetwork({ clock, rng: new SeededRng(1), ...opts });
  const server: { links: DispatcherLink[]; got: AgentMessage[]; closed: string[] } = {
    links: [],
    got: [],
    closed: [],
  };
  net.listen('m1', {
    accept(link) {
      server.links.push(link);
      link.attach({ onMessage: (m) => server.got.push(m), onClose: (r) => server.closed.push(r) });
    },
  });
  const run = (cond: () => boolean, ms = 10_000) => runUntil(vt, cond, ms);
  const dial = async (addr = 'm1', from = 'w1') => {
    let r: DialResult | undefined;
    void net
      .dialer({ addr: from })
      .dial(addr)
      .then((x) => {
        r = x;
      });
    await run(() => r !== undefined);
    return r as DialResult;
  };
  const client = (link: AgentLink) => {
    const c: { got: DispatcherMessage[]; closed: string[] } = { got: [], closed: [] };
    link.attach({ onMessage: (m) => c.got.push(m), onClose: (r) => c.closed.push(r) });
    return c;
  };
  return { vt, clock, net, server, run, dial, client };
}

const beat = (n: number): AgentMessage => ({ kind: 'heartbeat', sessionId: String(n) });

describe('MemoryNetwork', () => {
  it('keeps order under random latency, and each message takes its time', async () => {
    const s = setup({ latencyMs: { min: 5, max: 50 } });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    assert.equal(s.server.links[0]?.remote.addr, 'w1');
    const t0 = s.vt.now;
    for (let i = 0; i < 100; i++) r.link.send(beat(i));
    await s.run(() => s.server.got.length === 100);
    assert.deepEqual(
      s.server.got.map((m) => (m.kind === 'heartbeat' ? Number(m.sessionId) : -1)),
      [...Array(100).keys()],
    );
    assert.ok(s.vt.now - t0 >= 5 && s.vt.now - t0 <= 50, 's.vt.now - t0 >= 5 && s.vt.now - t0 <= 50');
  });

  it('a close reaches the other end after the messages sent before it', async () => {
    const s = setup({ latencyMs: 10 });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    r.link.send(beat(1));
    r.link.close();
    assert.equal(r.link.send(beat(2)), false, 'a closed end sends nothing');
    await s.run(() => s.server.closed.length > 0);
    assert.equal(s.server.got.length, 1);
    assert.deepEqual(s.server.closed, ['closed by peer']);
    assert.equal(s.net.openEnds, 0);
    assert.equal(s.clock.live, 0);
  });

  it('messages that arrive before a handler is attached wait for it', async () => {
    const s = setup();
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    s.server.links[0]?.send({ kind: 'heartbeat', periodMs: 1 });
    s.server.links[0]?.close();
    await s.run(() => false, 100);
    const c = s.client(r.link);
    assert.equal(c.got.length, 1);
    assert.deepEqual(c.closed, ['closed by peer']);
  });

  it('sever breaks both ends and loses what was in flight', async () => {
    const s = setup({ latencyMs: 10 });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    const c = s.client(r.link);
    r.link.send(beat(1));
    assert.equal(s.net.sever('w1'), 1);
    await s.run(() => c.closed.length > 0 && s.server.closed.length > 0);
    await s.run(() => false, 100);
    assert.deepEqual(c.closed, ['connection reset']);
    assert.deepEqual(s.server.closed, ['connection reset']);
    assert.equal(s.server.got.length, 0, 'the message in flight is lost');
  });

  it('a crashed manager breaks its links and refuses new dials', async () => {
    const s = setup();
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    const c = s.client(r.link);
    s.net.crash('m1');
    await s.run(() => c.closed.length > 0);
    const again = await s.dial();
    assert.equal(again.ok, false);
    assert.equal(!again.ok && again.error.message, 'connection refused: m1');
    assert.equal((await s.dial('nowhere')).ok, false);
  });

  it('a blackhole holds messages as TCP would, makes dials time out, and delivers on healing', async () => {
    const s = setup({ connectTimeoutMs: 3_000 });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    const c = s.client(r.link);
    s.net.blackhole('w1');
    r.link.send(beat(1));
    await s.run(() => false, 1_000);
    assert.equal(s.server.got.length, 0);
    assert.deepEqual(c.closed, [], 'nobody notices');
    const t0 = s.vt.now;
    const again = await s.dial();
    assert.equal(!again.ok && again.error.message, 'connection timed out: m1');
    assert.equal(s.vt.now - t0, 3_000);
    s.net.blackhole('w1', false);
    r.link.send(beat(2));
    await s.run(() => s.server.got.length >= 2);
    assert.equal(s.server.got.length, 2, 'the held message arrives, then the new one, in order');
  });

  it('a link held by a blackhole too long breaks on both ends', async () => {
    const s = setup({ breakAfterMs: 10_000 });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    const c = s.client(r.link);
    s.net.blackhole('w1');
    r.link.send(beat(1));
    await s.run(() => c.closed.length > 0, 15_000);
    assert.deepEqual(c.closed, ['connection timed out']);
    s.net.blackhole('w1', false);
    await s.run(() => false, 1_000);
    assert.equal(s.server.got.length, 0, 'a broken link delivers nothing later');
  });

  it('the json codec hands the receiver a copy', async () => {
    const s = setup({ codec: 'json' });
    const r = await s.dial();
    assert.ok(r.ok, 'r.ok');
    const msg: AgentMessage = { kind: 'status', sessionId: 's', updates: [] };
    r.link.send(msg);
    await s.run(() => s.server.got.length > 0);
    assert.deepEqual(s.server.got[0], msg);
    assert.notEqual(s.server.got[0], msg);
  });
});
