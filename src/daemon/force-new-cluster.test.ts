// `swarm init --force-new-cluster` with real daemon processes: a manager that lost its
// quorum for good becomes a one-manager swarm with its state, and takes new managers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { until } from '../../test/support/until.ts';
import { LocalDaemons } from '../demo/daemons.ts';
import { EngineError } from '../demo/engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'shoal-fnc-'));
const cluster = new LocalDaemons({ dir, count: 4, executor: 'fake', firstHost: 40 });
after(async () => {
  await cluster.stop(2_000);
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

interface NodeInfo {
  ID: string;
  Spec: { Role: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

test('force-new-cluster: the last manager standing keeps the swarm and its services', async () => {
  await cluster.start();
  const [m1, m2, m3, m4] = cluster.daemons as [
    (typeof cluster.daemons)[0],
    (typeof cluster.daemons)[0],
    (typeof cluster.daemons)[0],
    (typeof cluster.daemons)[0],
  ];
  const nodeId = await m1.engine.post<string>('/swarm/init', { ListenAddr: m1.addr, AdvertiseAddr: m1.addr });
  const swarm = await m1.engine.get<{ ID: string; JoinTokens: { Manager: string } }>('/swarm');
  for (const m of [m2, m3])
    await m.engine.post('/swarm/join', {
      ListenAddr: m.addr,
      AdvertiseAddr: m.addr,
      RemoteAddrs: [m1.addr],
      JoinToken: swarm.JoinTokens.Manager,
    });
  await m1.engine.post('/services/create', {
    Name: 'kept',
    TaskTemplate: { ContainerSpec: { Image: 'busybox' } },
    Mode: { Replicated: { Replicas: 2 } },
  });
  await until('3 reachable managers', async () => {
    const nodes = await m1.engine.get<NodeInfo[]>('/nodes');
    return nodes.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length === 3 ? true : undefined;
  });

  // A manager's join returns once it votes: the three are voters now.
  // Two of three managers are lost for good: no quorum, the API cannot answer.
  m2.proc?.kill('SIGKILL');
  m3.proc?.kill('SIGKILL');
  await until('the swarm to lose its leader', async () => {
    try {
      await m1.engine.get('/services');
      return undefined;
    } catch (e) {
      return e instanceof EngineError ? true : undefined;
    }
  });

  const again = await m1.engine.post<string>('/swarm/init', {
    ListenAddr: m1.addr,
    AdvertiseAddr: m1.addr,
    ForceNewCluster: true,
  });
  assert.equal(again, nodeId, 'the same node');
  const after = await m1.engine.get<{ ID: string; JoinTokens: { Manager: string } }>('/swarm');
  assert.equal(after.ID, swarm.ID, 'the same cluster');
  const services = await m1.engine.get<Array<{ Spec: { Name: string } }>>('/services');
  assert.deepEqual(
    services.map((s) => s.Spec.Name),
    ['kept'],
  );
  await until('writes to work again', async () => {
    await m1.engine.post('/secrets/create', {
      Name: 'after-force',
      Data: Buffer.from('x').toString('base64'),
    });
    return true;
  });

  // A new manager joins the forced swarm: two voters, a working quorum again.
  await m4.engine.post('/swarm/join', {
    ListenAddr: m4.addr,
    AdvertiseAddr: m4.addr,
    RemoteAddrs: [m1.addr],
    JoinToken: after.JoinTokens.Manager,
  });
  const nodes = await until('the new manager to be reachable', async () => {
    const ns = await m1.engine.get<NodeInfo[]>('/nodes');
    const m4Node = ns.find((n) => n.ID !== nodeId && n.ManagerStatus?.Reachability === 'reachable');
    return m4Node ? ns : undefined;
  });
  assert.equal(nodes.filter((n) => n.ManagerStatus?.Leader).length, 1);
  assert.equal(nodes.find((n) => n.ManagerStatus?.Leader)?.ID, nodeId);
});
