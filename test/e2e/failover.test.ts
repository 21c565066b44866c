/**
 * Losing the leader: three managers and a worker, a replicated service, kill -9 of the
 * leader's daemon. A survivor becomes leader, the dead node goes Down, its tasks are
 * replaced, and the killed daemon restarted on its data directory comes back as the same
 * node and a reachable manager.
 *
 *   m1 127.0.0.2 (init), m2 .3, m3 .4 (managers), w1 .5 (worker)
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  type DaemonNode,
  e2eUnavailable,
  formSwarm,
  Harness,
  installHooks,
  type NodeRow,
  nodeLs,
  swarmInfo,
  waitAllReady,
  waitFor,
} from './harness.ts';

const skip = e2eUnavailable();
const NO_LEADER =
  "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.";

interface TaskRow {
  Name: string;
  Node: string;
  CurrentState: string;
  DesiredState: string;
}

describe('failover of the leader', { skip: skip ?? false }, () => {
  const h = new Harness({ name: 'failover', port: 24400 });
  installHooks(h);
  let nodes: DaemonNode[];
  let leader: DaemonNode;
  let leaderId = '';
  let survivors: DaemonNode[];

  before(async () => {
    nodes = await h.startNodes(['m1', 'm2', 'm3', 'w1']);
    const [m1, m2, m3, w1] = nodes as [DaemonNode, DaemonNode, DaemonNode, DaemonNode];
    await formSwarm(m1, [m2, m3], [w1]);
    await waitAllReady(m1, 4);
  });

  const byName = (name: string): DaemonNode => nodes.find((n) => n.name === name) as DaemonNode;
  const leaderRow = (rows: NodeRow[]) => rows.find((r) => r.ManagerStatus === 'Leader');

  /** The running tasks of `web` as `docker service ps` shows them. */
  const runningTasks = async (via: DaemonNode): Promise<TaskRow[]> =>
    (
      await via.ok([
        'service',
        'ps',
        'web',
        '--filter',
        'desired-state=running',
        '--no-trunc',
        '--format',
        '{{json .}}',
      ])
    )
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as TaskRow);

  const replicas = async (via: DaemonNode): Promise<string> =>
    (await via.ok(['service', 'ls', '--filter', 'name=web', '--format', '{{.Replicas}}'])).trim();

  it('docker service create --replicas 3: 3/3 running', async () => {
    const m1 = byName('m1');
    const id = (
      await m1.ok([
        'service',
        'create',
        '-d',
        '--no-resolve-image',
        '--replicas',
        '3',
        '--name',
        'web',
        'shoal-busybox',
      ])
    ).trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    await waitFor('web 3/3', async () => (await replicas(m1)) === '3/3', { timeoutMs: 60_000 });
    const tasks = await runningTasks(m1);
    assert.equal(tasks.length, 3);
    assert.ok(
      tasks.every((t) => t.CurrentState.startsWith('Running')),
      JSON.stringify(tasks),
    );
  });

  it('kill -9 of the leader: a survivor is elected and shows in docker node ls', async () => {
    const rows = await nodeLs(byName('m2'));
    const lead = leaderRow(rows);
    assert.ok(lead, JSON.stringify(rows));
    leader = byName(lead.Hostname);
    leaderId = lead.ID;
    survivors = nodes.filter((n) => n !== leader && n.name.startsWith('m'));
    assert.equal(survivors.length, 2);
    await leader.kill();
    const t0 = Date.now();
    const via = survivors[0] as DaemonNode;
    const newLeader = await waitFor(
      'a new leader',
      async () => {
        const r = leaderRow(await nodeLs(via));
        return r && r.ID !== leaderId ? r : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.ok(
      survivors.some((s) => s.name === newLeader.Hostname),
      newLeader.Hostname,
    );
    process.stderr.write(`# e2e: new leader ${newLeader.Hostname} seen after ${Date.now() - t0} ms\n`);
    // Both survivors agree, and the dead one is no longer reachable.
    for (const s of survivors) {
      const r = await waitFor(
        `${s.name} to agree`,
        async () => {
          const rows = await nodeLs(s);
          const l = leaderRow(rows);
          const dead = rows.find((x) => x.ID === leaderId);
          return l?.ID === newLeader.ID && dead?.ManagerStatus === 'Unreachable' ? rows : undefined;
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(r.length, 4);
    }
  });

  it('the dead node becomes Down', async () => {
    await waitFor(
      `${leader.name} Down`,
      async () =>
        (await nodeLs(survivors[1] as DaemonNode)).find((r) => r.ID === leaderId)?.Status === 'Down',
      { timeoutMs: 60_000 },
    );
  });

  it('the service gets back to 3 running tasks, on live nodes', async () => {
    const via = survivors[0] as DaemonNode;
    await waitFor(
      'web: 3 tasks wanted running, all Running, none on the dead node',
      async () => {
        const tasks = await runningTasks(via);
        return tasks.length === 3 &&
          tasks.every((t) => t.CurrentState.startsWith('Running') && t.Node !== leader.name)
          ? tasks
          : false;
      },
      { timeoutMs: 90_000 },
    );
    // `docker service ls` counts every task whose last report is "running", so a task that
    // was replaced on the dead node still counts until that node reports again: 4/3 (if the
    // dead node ran one), as Docker shows it (moby/moby#45922). At least 3 either way.
    const [running = 0, desired = 0] = (await replicas(via)).split('/').map(Number);
    assert.equal(desired, 3);
    assert.ok(running >= 3, `${running}/${desired}`);
  });

  it('the killed daemon, restarted on its data dir, rejoins as the same node and is Reachable', async () => {
    await leader.start();
    await waitFor(
      `${leader.name} Reachable and Ready`,
      async () => {
        const r = (await nodeLs(survivors[0] as DaemonNode)).find((x) => x.ID === leaderId);
        return r?.ManagerStatus === 'Reachable' && r.Status === 'Ready';
      },
      { timeoutMs: 60_000 },
    );
    const info = await swarmInfo(leader);
    assert.equal(info.NodeID, leaderId);
    assert.equal(info.LocalNodeState, 'active');
    await waitFor(
      'it serves the manager API',
      async () => (await swarmInfo(leader)).ControlAvailable === true,
    );
    const rows = await waitFor(
      'four nodes, one leader, seen from the restarted node',
      async () => {
        const rows = await nodeLs(leader);
        return rows.length === 4 && rows.every((r) => r.Status === 'Ready') && leaderRow(rows)
          ? rows
          : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(rows.filter((r) => r.ManagerStatus !== '').length, 3);
    // Back, the node stops the task it was replaced for: exactly 3/3 again.
    await waitFor('web 3/3', async () => (await replicas(leader)) === '3/3', { timeoutMs: 30_000 });
  });
  it('two managers lost for good: docker swarm init --force-new-cluster on the last one keeps the swarm', async () => {
    const keeper = survivors[0] as DaemonNode;
    const keeperId = (await swarmInfo(keeper)).NodeID;
    const lost = nodes.filter((n) => n.name.startsWith('m') && n !== keeper);
    for (const n of lost) await n.kill();
    // Without a quorum the API cannot answer, in Docker's words.
    await waitFor(
      'the swarm to lose its leader',
      async () => {
        const r = await keeper.docker(['node', 'ls']);
        return r.code !== 0 && r.stderr.includes(NO_LEADER) ? r : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const out = await keeper.ok(['swarm', 'init', '--force-new-cluster']);
    assert.match(out, new RegExp(`Swarm initialized: current node \\(${keeperId}\\) is now a manager\\.`));
    const rows = await waitFor(
      'the keeper leading a swarm that remembers everyone',
      async () => {
        const rows = await nodeLs(keeper);
        return leaderRow(rows)?.ID === keeperId ? rows : undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(rows.length, 4, 'the other nodes are still known');
    assert.equal(rows.find((r) => r.Hostname === 'w1')?.Status, 'Ready');
    // The service survived, and runs 3 tasks on what is left.
    await waitFor(
      'web: 3 tasks running on the keeper and w1',
      async () => {
        const tasks = await runningTasks(keeper);
        return tasks.length === 3 &&
          tasks.every(
            (t) => t.CurrentState.startsWith('Running') && (t.Node === keeper.name || t.Node === 'w1'),
          )
          ? tasks
          : false;
      },
      { timeoutMs: 90_000 },
    );
  });
});
