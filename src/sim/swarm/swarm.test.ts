// The seed documents' walk-through, on a whole simulated swarm (real managers, agents and
// fake executors on virtual time).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { converged } from './checks.ts';
import { SwarmSim } from './swarm.ts';

function web(replicas: number, image = 'nginx:1') {
  return {
    Name: 'web',
    TaskTemplate: { ContainerSpec: { Image: image } },
    Mode: { Replicated: { Replicas: replicas } },
  };
}

async function convergence(sim: SwarmSim, ms = 60_000): Promise<void> {
  try {
    await sim.until(() => converged(sim).ok, ms, 'convergence');
  } catch (e) {
    throw new Error(
      `${(e as Error).message}: ${converged(sim).problems.join('; ')}\n${sim.trace.tail(40).join('\n')}`,
    );
  }
}

test('a swarm forms: 3 managers, 4 workers, one leader, every node ready', async () => {
  const sim = new SwarmSim(1, { managers: 3, workers: 4 });
  await sim.init();
  assert.equal(sim.managerCount(), 3);
  assert.equal(sim.nodesReady(), 7);
  const nodes = await sim.control((c) => c.listNodes());
  assert.equal(nodes.filter((n) => n.Spec.Role === 'manager').length, 3);
  assert.equal(nodes.filter((n) => n.ManagerStatus?.Leader).length, 1);
  await sim.stop();
});

test('create a service with 1 replica, scale it to 3', async () => {
  const sim = new SwarmSim(2, { managers: 3, workers: 4 });
  await sim.init();
  const svc = await sim.control((c) => c.createService(web(1)));
  await convergence(sim);
  const cur = await sim.control((c) => c.getService(svc.ID));
  await sim.control((c) => c.updateService(svc.ID, cur.Version.Index, web(3)));
  await convergence(sim);
  const tasks = await sim.control((c) =>
    c.listTasks({ filters: { service: [svc.ID], 'desired-state': ['running'] } }),
  );
  assert.equal(tasks.length, 3);
  assert.equal(new Set(tasks.map((t) => t.NodeID)).size, 3, 'spread over three nodes');
  await sim.stop();
});

test('rolling update: parallelism 1, delay 10 s; old tasks shut down one by one, history kept', async () => {
  const sim = new SwarmSim(3, { managers: 3, workers: 4 });
  await sim.init();
  const spec = { ...web(3), UpdateConfig: { Parallelism: 1, Delay: 10_000_000_000 } };
  const svc = await sim.control((c) => c.createService(spec));
  await convergence(sim);
  const cur = await sim.control((c) => c.getService(svc.ID));
  await sim.control((c) =>
    c.updateService(svc.ID, cur.Version.Index, {
      ...spec,
      TaskTemplate: { ContainerSpec: { Image: 'nginx:2' } },
    }),
  );
  await sim.until(
    () =>
      sim.leaderMachine()?.manager?.store.view((tx) => tx.services.get(svc.ID)?.UpdateStatus?.State) ===
      'completed',
    120_000,
    'update completed',
  );
  await convergence(sim);
  const tasks = await sim.control((c) => c.listTasks({ filters: { service: [svc.ID] } }));
  const old = tasks.filter((t) => t.Spec.ContainerSpec?.Image === 'nginx:1');
  const fresh = tasks.filter(
    (t) => t.Spec.ContainerSpec?.Image === 'nginx:2' && t.Status.State === 'running',
  );
  assert.equal(fresh.length, 3);
  assert.equal(old.length, 3, 'the old tasks stay in the history');
  assert.ok(old.every((t) => t.DesiredState === 'shutdown' && t.Status.State === 'shutdown'));
  const stops = old.map((t) => Date.parse(t.Status.Timestamp)).sort((a, b) => a - b);
  for (let i = 1; i < stops.length; i++) {
    const gap = (stops[i] as number) - (stops[i - 1] as number);
    assert.ok(gap >= 9_000, `old tasks stopped ${gap} ms apart; the update delay is 10 s`);
  }
  await sim.stop();
});

test('drain a node: its tasks move; reactivate it', async () => {
  const sim = new SwarmSim(4, { managers: 3, workers: 3 });
  await sim.init();
  await sim.control((c) => c.createService(web(6)));
  await convergence(sim);
  const victim = sim.machines[4];
  assert.ok(victim);
  await sim.control((c) => sim.updateNode(c, victim.nodeId, { Availability: 'drain' }));
  await convergence(sim);
  const onVictim = [...sim.registry.values()].filter(
    (c) => c.node === victim.nodeId && c.state === 'running',
  );
  assert.equal(onVictim.length, 0);
  await sim.control((c) => sim.updateNode(c, victim.nodeId, { Availability: 'active' }));
  await convergence(sim);
  await sim.stop();
});

test('kill a worker: after the heartbeat grace it is down and its tasks run elsewhere', async () => {
  const sim = new SwarmSim(5, { managers: 3, workers: 3 });
  await sim.init();
  await sim.control((c) => c.createService(web(6)));
  await convergence(sim);
  const victim = sim.machines[5];
  assert.ok(victim);
  victim.crash();
  await sim.until(() => sim.node(victim)?.Status.State === 'down', 30_000, 'node down');
  await convergence(sim);
  await victim.restart();
  await sim.until(() => sim.node(victim)?.Status.State === 'ready', 30_000, 'node back');
  await convergence(sim);
  await sim.stop();
});

test('promote two workers to managers, kill the leader, and keep working', async () => {
  const sim = new SwarmSim(6, { managers: 1, workers: 4 });
  await sim.init();
  assert.equal(sim.managerCount(), 1);
  const [, w1, w2] = sim.machines;
  assert.ok(w1 && w2);
  await sim.control((c) => sim.updateNode(c, w1.nodeId, { Role: 'manager' }));
  await sim.control((c) => sim.updateNode(c, w2.nodeId, { Role: 'manager' }));
  await sim.until(() => sim.managerCount() === 3, 60_000, 'three voters');
  await sim.control((c) => c.createService(web(4)));
  await convergence(sim);
  const leader = sim.leaderMachine();
  assert.ok(leader);
  leader.crash();
  await sim.until(
    () => sim.leaderMachine() !== undefined && sim.leaderMachine() !== leader,
    30_000,
    'new leader',
  );
  const svc = await sim.control((c) => c.createService({ ...web(2), Name: 'api' }));
  assert.ok(svc.ID);
  await convergence(sim, 120_000);
  await sim.stop();
});

test('demote a manager (the leader included): it leaves Raft and its manager role stops', async () => {
  const sim = new SwarmSim(7, { managers: 3, workers: 2 });
  await sim.init();
  await sim.control((c) => c.createService(web(3)));
  await convergence(sim);
  const leader = sim.leaderMachine();
  assert.ok(leader);
  await sim.control((c) => sim.updateNode(c, leader.nodeId, { Role: 'worker' }));
  await sim.until(() => sim.managerCount() === 2 && leader.manager === undefined, 60_000, 'leader demoted');
  assert.notEqual(sim.leaderMachine(), leader);
  const node = await sim.control((c) => c.getNode(leader.nodeId));
  assert.equal(node.Spec.Role, 'worker');
  assert.equal(node.ManagerStatus, undefined);
  // The swarm keeps working with two managers.
  await sim.control((c) => c.createService({ ...web(2), Name: 'api' }));
  await convergence(sim);
  // The last two: demoting one more is refused only for the very last manager.
  const other = sim.machines.find((m) => m.manager && m !== sim.leaderMachine());
  assert.ok(other);
  await sim.control((c) => sim.updateNode(c, other.nodeId, { Role: 'worker' }));
  await sim.until(() => sim.managerCount() === 1, 60_000, 'second demotion');
  const last = sim.leaderMachine();
  assert.ok(last);
  await assert.rejects(
    sim.control((c) => sim.updateNode(c, last.nodeId, { Role: 'worker' })),
    /demote the last manager/,
  );
  await sim.stop();
});
