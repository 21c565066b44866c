// The driver (RaftNode) on virtual time: the simulator's network and clocks, memory or
// file storage, the key-value state machine.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { SimNetwork } from '../sim/network.ts';
import { NodeClock, VirtualTime } from '../sim/time.ts';
import { bootstrapEntries } from './core/bootstrap.ts';
import { NotLeaderError, ProposalTimeoutError } from './errors.ts';
import { confAt, forceNewCluster } from './force-new-cluster.ts';
import { encodeKv, KvStateMachine } from './kv.ts';
import { RaftNode } from './node.ts';
import { FileStorage } from './storage/file.ts';
import { MemoryStorage } from './storage/memory.ts';
import type { RaftStorage } from './storage/storage.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

class Harness {
  readonly vt = new VirtualTime();
  readonly net = new SimNetwork(this.vt, new SeededRng(1), {
    dropRate: 0,
    dupRate: 0,
    minDelayMs: 1,
    maxDelayMs: 2,
  });
  readonly nodes = new Map<string, { node: RaftNode; sm: KvStateMachine; storage: RaftStorage }>();
  private seq = 0;

  async add(
    id: string,
    storage: RaftStorage,
    extra: Partial<ConstructorParameters<typeof RaftNode>[0]> = {},
  ) {
    const sm = new KvStateMachine();
    const node = new RaftNode({
      id,
      address: `10.0.0.${id.slice(1)}:2377`,
      storage,
      transport: this.net.transport(id),
      stateMachine: sm,
      clock: new NodeClock(this.vt, 1),
      rng: new SeededRng(id.charCodeAt(1)),
      ...extra,
    });
    this.nodes.set(id, { node, sm, storage });
    await node.start();
    return node;
  }

  async boot(ids: string[], extra: Partial<ConstructorParameters<typeof RaftNode>[0]> = {}): Promise<void> {
    const { hardState, entries } = bootstrapEntries(
      ids.map((id) => ({ id, context: new TextEncoder().encode(`10.0.0.${id.slice(1)}:2377`) })),
    );
    for (const id of ids) {
      const storage = new MemoryStorage();
      await storage.save(hardState, entries);
      await this.add(id, storage, extra);
    }
  }

  /** Advances virtual time by `ms`, running every event and letting promises settle. */
  async run(ms: number): Promise<void> {
    const end = this.vt.now + ms;
    for (;;) {
      const fn = this.vt.next(end);
      if (!fn) break;
      fn();
      await new Promise((r) => setImmediate(r));
    }
    this.vt.now = end;
  }

  /** Runs until `p` settles (or `ms` of virtual time pass). */
  async until<T>(p: Promise<T>, ms = 10_000): Promise<T> {
    let done = false;
    const wrapped = p.finally(() => {
      done = true;
    });
    wrapped.catch(() => undefined); // handled by the caller once returned
    const end = this.vt.now + ms;
    while (!done && this.vt.now < end) await this.run(10);
    return wrapped;
  }

  leader(): RaftNode {
    const l = [...this.nodes.values()].find((n) => n.node.isLeader);
    assert.ok(l, 'no leader');
    return l.node;
  }

  node(id: string): RaftNode {
    return (this.nodes.get(id) as { node: RaftNode }).node;
  }

  put(node: RaftNode, key: string, value: string, timeoutMs?: number): Promise<unknown> {
    return node.propose(encodeKv({ op: 'put', key, value, client: 't', seq: ++this.seq }), timeoutMs);
  }
}

test('a proposal resolves with the state machine result once applied; followers name the leader', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3']);
  await h.run(3_000);
  const leader = h.leader();
  assert.deepEqual(await h.until(h.put(leader, 'a', '1')), { ok: true, prev: null });
  assert.deepEqual(await h.until(h.put(leader, 'a', '2')), { ok: true, prev: '1' });
  const follower = [...h.nodes.values()].find((n) => !n.node.isLeader)?.node as RaftNode;
  await assert.rejects(h.put(follower, 'a', '3'), (e: unknown) => {
    assert.ok(e instanceof NotLeaderError);
    assert.equal(e.leader, leader.id);
    assert.equal(e.leaderAddress, `10.0.0.${leader.id.slice(1)}:2377`);
    assert.match(e.message, /not the leader; the leader is n\d at 10\.0\.0\.\d:2377/);
    return true;
  });
});

test('a linearizable read on a follower sees every write acknowledged before it', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3']);
  await h.run(3_000);
  const leader = h.leader();
  const followerEntry = [...h.nodes.values()].find((n) => !n.node.isLeader);
  assert.ok(followerEntry);
  for (let i = 0; i < 20; i++) await h.until(h.put(leader, 'k', String(i)));
  // Many concurrent reads share ReadIndex rounds.
  const reads = Array.from({ length: 50 }, () => followerEntry.node.linearizableRead());
  await h.until(Promise.all(reads));
  assert.equal(followerEntry.sm.get('k'), '19');
});

test('concurrent proposals are batched into few appends and all applied in order', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3']);
  await h.run(3_000);
  const leader = h.leader();
  const before = h.net.delivered;
  const all = Array.from({ length: 500 }, (_, i) => h.put(leader, `k${i % 7}`, String(i)));
  await h.until(Promise.all(all));
  const messages = h.net.delivered - before;
  assert.ok(messages < 100, `500 proposals took ${messages} messages`);
  for (const { sm } of h.nodes.values()) {
    await h.run(500);
    assert.equal(sm.get('k6'), '496');
  }
});

test('leadership transfer hands over, and a stopped leader hands over first', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3']);
  await h.run(3_000);
  const first = h.leader();
  const target = ['n1', 'n2', 'n3'].find((id) => id !== first.id) as string;
  await h.until(first.transferLeadership(target));
  await h.run(500);
  assert.equal(h.leader().id, target);
  const second = h.leader();
  const t0 = h.vt.now;
  await h.until(second.stop({ transfer: true }));
  await h.run(300);
  const third = [...h.nodes.values()].find((n) => n.node.isLeader && n.node !== second);
  assert.ok(third, 'a new leader within 300 ms of a clean stop (no election timeout)');
  assert.ok(h.vt.now - t0 < 1_000);
});

test('without a quorum a proposal times out with an honest error', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3'], { checkQuorum: false });
  await h.run(3_000);
  const leader = h.leader();
  h.net.partition([[leader.id], ['n1', 'n2', 'n3'].filter((id) => id !== leader.id)]);
  await assert.rejects(h.until(h.put(leader, 'x', '1', 1_000)), (e: unknown) => {
    assert.ok(e instanceof ProposalTimeoutError);
    assert.match(e.message, /may or may not have taken effect/);
    return true;
  });
});

test('snapshots compact the log; a member restarted from its files recovers the state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-node-'));
  dirs.push(dir);
  const h = new Harness();
  const { hardState, entries } = bootstrapEntries([{ id: 'n1' }]);
  const fs1 = FileStorage.open(dir);
  await fs1.save(hardState, entries);
  const n1 = await h.add('n1', fs1, { snapshotInterval: 50, keepEntries: 5 });
  await h.run(3_000);
  assert.ok(n1.isLeader);
  for (let i = 0; i < 120; i++) await h.until(h.put(n1, `k${i % 10}`, String(i)));
  const st = n1.status();
  assert.ok(st.snapshotIndex >= 100, `snapshot at ${st.snapshotIndex}`);
  assert.ok(fs1.firstIndex() > 90, `log starts at ${fs1.firstIndex()}`);
  await h.until(n1.stop());
  h.nodes.delete('n1');
  const again = await h.add('n1', FileStorage.open(dir), { snapshotInterval: 50, keepEntries: 5 });
  await h.run(3_000);
  assert.ok(again.isLeader);
  const sm = h.nodes.get('n1')?.sm as KvStateMachine;
  assert.equal(sm.get('k9'), '119');
  assert.equal(sm.get('k0'), '110');
  await h.until(again.stop());
});

test('a new member joins as a learner, catches up from a snapshot, and is promoted', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3'], { snapshotInterval: 30, keepEntries: 2 });
  await h.run(3_000);
  const leader = h.leader();
  for (let i = 0; i < 80; i++) await h.until(h.put(leader, 'k', String(i)));
  const n4 = await h.add('n4', new MemoryStorage(), { snapshotInterval: 30, keepEntries: 2 });
  await h.until(leader.proposeConfChange({ type: 'addLearner', node: 'n4', address: '10.0.0.4:2377' }));
  await h.run(1_000);
  assert.equal(h.nodes.get('n4')?.sm.get('k'), '79');
  await h.until(leader.proposeConfChange({ type: 'addVoter', node: 'n4' }));
  assert.deepEqual(leader.status().conf.voters, ['n1', 'n2', 'n3', 'n4']);
  assert.equal(n4.members.get('n1'), '10.0.0.1:2377');
});

test('force-new-cluster: a survivor of a lost quorum becomes a one-member cluster with everything it had committed', async () => {
  const h = new Harness();
  await h.boot(['n1', 'n2', 'n3']);
  await h.run(3_000);
  const leader = h.leader();
  for (let i = 0; i < 10; i++) await h.until(h.put(leader, `k${i}`, `v${i}`));
  await h.run(500);
  // The quorum is lost for good: every member stops; only n1's data survives.
  for (const id of ['n1', 'n2', 'n3']) await h.until(h.node(id).stop());
  const survivor = h.nodes.get('n1')?.storage as MemoryStorage;
  const storage = MemoryStorage.restore(survivor.crashImage());
  const forced = await forceNewCluster(storage, 'n1');
  assert.deepEqual([...forced.removed].sort(), ['n2', 'n3']);
  assert.deepEqual(confAt(storage, storage.lastIndex()), { voters: ['n1'], learners: [] });

  const again = new Harness();
  const n1 = await again.add('n1', storage);
  await again.run(3_000);
  assert.equal(again.leader(), n1, 'n1 leads alone');
  assert.deepEqual(n1.status().conf, { voters: ['n1'], learners: [] });
  const sm = again.nodes.get('n1')?.sm as KvStateMachine;
  for (let i = 0; i < 10; i++) assert.equal(sm.get(`k${i}`), `v${i}`);
  const put = encodeKv({ op: 'put', key: 'after', value: 'yes', client: 'u', seq: 1 });
  await again.until(n1.propose(put));
  assert.equal(sm.get('after'), 'yes');
  await again.until(n1.stop());
});
