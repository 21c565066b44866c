/**
 * A swarm of real daemons formed and changed with the real docker CLI: init, join tokens,
 * 2 managers and 2 workers joining, `docker node ls` and `docker info` from every angle,
 * promote/demote, join-token rotation, leave, and node rm.
 *
 *   m1 127.0.0.2 (init, leader)   m2 .3, m3 .4 (managers)   w1 .5, w2 .6 (workers)   w3 .7 (late joiner)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type DaemonNode,
  e2eUnavailable,
  Harness,
  installHooks,
  joinSwarm,
  joinToken,
  type NodeRow,
  nodeLs,
  swarmInfo,
  waitAllReady,
  waitFor,
} from './harness.ts';

const skip = e2eUnavailable();
const TOKEN = /^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$/;
const NOT_A_MANAGER =
  "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

describe('a swarm of shoal daemons, driven by the docker CLI', { skip: skip ?? false }, () => {
  const h = new Harness({ name: 'swarm', port: 24100 });
  let m1: DaemonNode;
  let m2: DaemonNode;
  let m3: DaemonNode;
  let w1: DaemonNode;
  let w2: DaemonNode;
  let workerToken = '';
  let managerToken = '';
  const ids = new Map<string, string>();

  installHooks(h);

  before(async () => {
    [m1, m2, m3, w1, w2] = (await h.startNodes(['m1', 'm2', 'm3', 'w1', 'w2'])) as [
      DaemonNode,
      DaemonNode,
      DaemonNode,
      DaemonNode,
      DaemonNode,
    ];
  });

  const byName = (rows: NodeRow[], name: string): NodeRow => {
    const r = rows.find((x) => x.Hostname === name);
    assert.ok(r, `${name} is not in ${JSON.stringify(rows)}`);
    return r;
  };

  it('docker swarm init makes a one-manager swarm', async () => {
    const r = await m1.docker(['swarm', 'init']);
    assert.equal(r.code, 0, r.stderr);
    const m = /Swarm initialized: current node \((\w+)\) is now a manager\./.exec(r.stdout);
    assert.ok(m, r.stdout);
    ids.set('m1', m[1] as string);
    assert.match(
      r.stdout,
      new RegExp(`docker swarm join --token SWMTKN-1-\\S+ ${m1.addr.replace(/\./g, '\\.')}`),
    );
    const info = await swarmInfo(m1);
    assert.equal(info.LocalNodeState, 'active');
    assert.equal(info.ControlAvailable, true);
    assert.equal(info.NodeID, ids.get('m1'));
    assert.equal(info.NodeAddr, m1.ip);
    // A second init is refused with Docker's words.
    const again = await m1.docker(['swarm', 'init']);
    assert.notEqual(again.code, 0);
    assert.match(
      again.stderr,
      /This node is already part of a swarm\. Use "docker swarm leave" to leave this swarm/,
    );
  });

  it('docker swarm join-token worker / manager print the join commands', async () => {
    const w = await m1.ok(['swarm', 'join-token', 'worker']);
    assert.match(w, /To add a worker to this swarm, run the following command:/);
    const mg = await m1.ok(['swarm', 'join-token', 'manager']);
    assert.match(mg, /To add a manager to this swarm, run the following command:/);
    workerToken = await joinToken(m1, 'worker');
    managerToken = await joinToken(m1, 'manager');
    assert.match(workerToken, TOKEN);
    assert.match(managerToken, TOKEN);
    assert.notEqual(workerToken, managerToken);
    // One root CA: the same digest in both tokens.
    assert.equal(workerToken.split('-')[2], managerToken.split('-')[2]);
    assert.ok(w.includes(`docker swarm join --token ${workerToken} ${m1.addr}`), w);
  });

  it('two managers and two workers join', async () => {
    for (const m of [m2, m3]) {
      const r = await joinSwarm(m, managerToken, m1);
      assert.equal(r.code, 0, `${m.name}: ${r.stderr}`);
      assert.match(r.stdout, /This node joined a swarm as a manager\./);
    }
    for (const w of [w1, w2]) {
      const r = await joinSwarm(w, workerToken, m1);
      assert.equal(r.code, 0, `${w.name}: ${r.stderr}`);
      assert.match(r.stdout, /This node joined a swarm as a worker\./);
    }
    const rows = await waitAllReady(m1, 5);
    for (const r of rows) ids.set(r.Hostname, r.ID);
    assert.equal(ids.size, 5);
  });

  it('docker node ls from every manager: 5 nodes, all Ready, one Leader, the right roles', async () => {
    for (const m of [m1, m2, m3]) {
      const rows = await waitFor(`a settled node list on ${m.name}`, async () => {
        const rows = await nodeLs(m);
        return rows.length === 5 && rows.every((r) => r.Status === 'Ready') ? rows : undefined;
      });
      assert.equal(rows.filter((r) => r.ManagerStatus === 'Leader').length, 1, JSON.stringify(rows));
      assert.equal(byName(rows, 'm1').ManagerStatus, 'Leader');
      assert.equal(byName(rows, 'm2').ManagerStatus, 'Reachable');
      assert.equal(byName(rows, 'm3').ManagerStatus, 'Reachable');
      assert.equal(byName(rows, 'w1').ManagerStatus, '');
      assert.equal(byName(rows, 'w2').ManagerStatus, '');
      assert.ok(rows.every((r) => r.Availability === 'Active'));
      // The CLI stars the node it talks to.
      assert.deepEqual(
        rows.filter((r) => r.Self).map((r) => r.Hostname),
        [m.name],
      );
    }
    // The table itself, as an operator reads it.
    const table = await m2.ok(['node', 'ls']);
    assert.match(table, /^ID\s+HOSTNAME\s+STATUS\s+AVAILABILITY\s+MANAGER STATUS\s+ENGINE VERSION/);
    assert.match(table, new RegExp(`${ids.get('m2')} \\*\\s+m2\\s+Ready\\s+Active\\s+Reachable`));
    // A worker cannot list nodes.
    const r = await w1.docker(['node', 'ls']);
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.includes(NOT_A_MANAGER), r.stderr);
  });

  it('docker info: Swarm active with the managers and nodes counts', async () => {
    for (const m of [m1, m2, m3]) {
      const out = await m.ok(['info']);
      assert.match(out, /Swarm: active/);
      assert.match(out, /Is Manager: true/);
      assert.match(out, /Managers: 3\n/);
      assert.match(out, /Nodes: 5\n/);
      assert.match(out, new RegExp(`NodeID: ${ids.get(m.name)}`));
      assert.match(out, new RegExp(`Node Address: ${m.ip.replace(/\./g, '\\.')}`));
    }
    const wi = await w1.ok(['info']);
    assert.match(wi, /Swarm: active/);
    assert.match(wi, /Is Manager: false/);
    const j = await swarmInfo(w1);
    assert.equal(j.ControlAvailable, false);
    assert.ok(
      j.NodeAddr === w1.ip,
      `worker's node address ${j.NodeAddr} should be its advertise address ${w1.ip}`,
    );
  });

  it('promote a worker: its MANAGER STATUS becomes Reachable and it serves the API', async () => {
    const out = await m1.ok(['node', 'promote', 'w1']);
    assert.match(out, /Node w1 promoted to a manager in the swarm\./);
    await waitFor('w1 Reachable', async () => byName(await nodeLs(m1), 'w1').ManagerStatus === 'Reachable', {
      timeoutMs: 60_000,
    });
    await waitFor(
      'w1 to serve the manager API',
      async () => (await swarmInfo(w1)).ControlAvailable === true,
      {
        timeoutMs: 30_000,
      },
    );
    const rows = await nodeLs(w1);
    assert.equal(rows.length, 5);
    assert.equal(rows.filter((r) => r.ManagerStatus === 'Leader').length, 1);
    assert.match(await m1.ok(['info']), /Managers: 4\n/);
  });

  it('demote a manager: its MANAGER STATUS clears and it stops serving the API', async () => {
    const out = await m1.ok(['node', 'demote', 'w1']);
    assert.match(out, /Manager w1 demoted in the swarm\./);
    await waitFor(
      'w1 a worker again',
      async () => {
        const r = byName(await nodeLs(m1), 'w1');
        return r.ManagerStatus === '' && r.Status === 'Ready';
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(
      'w1 to stop serving the manager API',
      async () => (await swarmInfo(w1)).ControlAvailable === false,
      {
        timeoutMs: 30_000,
      },
    );
    const r = await w1.docker(['node', 'ls']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /This node is not a swarm manager/);
    assert.match(await m1.ok(['info']), /Managers: 3\n/);
    // Demoting the leader's fellow manager m3 also works and is seen everywhere.
    assert.match(await m2.ok(['node', 'demote', 'm3']), /Manager m3 demoted in the swarm\./);
    await waitFor('m3 a worker', async () => byName(await nodeLs(m2), 'm3').ManagerStatus === '', {
      timeoutMs: 60_000,
    });
    assert.match(await m2.ok(['node', 'promote', 'm3']), /Node m3 promoted to a manager in the swarm\./);
    await waitFor(
      'm3 Reachable again',
      async () => byName(await nodeLs(m1), 'm3').ManagerStatus === 'Reachable',
      { timeoutMs: 60_000 },
    );
  });

  it('join-token --rotate: the old token is refused with Docker’s message, joined nodes stay Ready', async () => {
    const out = await m1.ok(['swarm', 'join-token', '--rotate', 'worker']);
    assert.match(out, /Successfully rotated worker join token\./);
    const fresh = await joinToken(m1, 'worker');
    assert.notEqual(fresh, workerToken);
    assert.equal(fresh.split('-')[2], workerToken.split('-')[2], 'same root CA, same digest');
    const w3 = h.node('w3');
    await w3.start();
    const r = await joinSwarm(w3, workerToken, m1);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(
      r.stderr,
      /Error response from daemon: rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster/,
    );
    assert.equal((await swarmInfo(w3)).LocalNodeState, 'inactive');
    // Everything already joined carries on.
    const rows = await nodeLs(m1);
    assert.equal(rows.length, 5);
    assert.ok(
      rows.every((x) => x.Status === 'Ready'),
      JSON.stringify(rows),
    );
    // The new token works.
    const ok = await joinSwarm(w3, fresh, m2);
    assert.equal(ok.code, 0, ok.stderr);
    await waitAllReady(m1, 6);
    ids.set('w3', (await swarmInfo(w3)).NodeID);
  });

  it('docker swarm leave on a worker; the managers see it Down', async () => {
    const r = await w2.docker(['swarm', 'leave']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Node left the swarm\./);
    assert.equal((await swarmInfo(w2)).LocalNodeState, 'inactive');
    await waitFor('w2 Down', async () => byName(await nodeLs(m1), 'w2').Status === 'Down', {
      timeoutMs: 60_000,
    });
  });

  it('a manager leaving without --force is refused with Docker’s message', async () => {
    const r = await m3.docker(['swarm', 'leave']);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /You are attempting to leave the swarm on a node that is participating as a manager\. Removing this node leaves 2 managers out of 3\. Without a Raft quorum your swarm will be inaccessible\./,
    );
    assert.match(r.stderr, /Use `--force` to suppress this message\./);
    assert.equal((await swarmInfo(m3)).LocalNodeState, 'active');
  });

  it('docker node rm: a Ready node needs --force, a node that left goes', async () => {
    const busy = await m1.docker(['node', 'rm', 'w1']);
    assert.notEqual(busy.code, 0);
    assert.match(
      busy.stderr,
      new RegExp(
        `rpc error: code = FailedPrecondition desc = node ${ids.get('w1')} is not down and can't be removed`,
      ),
    );
    const out = await m1.ok(['node', 'rm', 'w2']);
    assert.match(out, /w2/);
    await waitFor(
      'w2 gone from every manager',
      async () => {
        for (const m of [m1, m2, m3]) if ((await nodeLs(m)).some((r) => r.Hostname === 'w2')) return false;
        return true;
      },
      { timeoutMs: 20_000 },
    );
    const missing = await m1.docker(['node', 'inspect', ids.get('w2') as string]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /not found|No such node/i);
    assert.match(await m1.ok(['info']), /Nodes: 5\n/);
  });
});
