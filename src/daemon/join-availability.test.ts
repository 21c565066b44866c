// `docker swarm join --availability drain` with real daemons: the node enters the swarm
// drained (a worker through its first session, a manager through the control API).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type DaemonHandle, LocalDaemons } from '../demo/daemons.ts';

const dir = mkdtempSync(join(tmpdir(), 'shoal-avail-'));
const cluster = new LocalDaemons({ dir, count: 3, executor: 'fake', firstHost: 70 });
after(async () => {
  await cluster.stop(2_000);
  rmSync(dir, { recursive: true, force: true });
});

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec: { Role: string; Availability: string };
}

test('join --availability drain: workers and managers join drained, and get no tasks', async () => {
  await cluster.start();
  const [m, w, m2] = cluster.daemons as [DaemonHandle, DaemonHandle, DaemonHandle];
  await m.engine.post('/swarm/init', { ListenAddr: m.addr, AdvertiseAddr: m.addr });
  const swarm = await m.engine.get<{ JoinTokens: { Worker: string; Manager: string } }>('/swarm');
  await w.engine.post('/swarm/join', {
    ListenAddr: w.addr,
    AdvertiseAddr: w.addr,
    RemoteAddrs: [m.addr],
    JoinToken: swarm.JoinTokens.Worker,
    Availability: 'drain',
  });
  await m2.engine.post('/swarm/join', {
    ListenAddr: m2.addr,
    AdvertiseAddr: m2.addr,
    RemoteAddrs: [m.addr],
    JoinToken: swarm.JoinTokens.Manager,
    Availability: 'drain',
  });
  let nodes: NodeInfo[] = [];
  for (let i = 0; i < 100; i++) {
    nodes = await m.engine.get<NodeInfo[]>('/nodes');
    const described = nodes.every((n) => n.Description?.Hostname);
    if (described && nodes.length === 3 && nodes.filter((n) => n.Spec.Availability === 'drain').length === 2)
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const byHost = Object.fromEntries(
    nodes.map((n) => [n.Description?.Hostname, { Role: n.Spec.Role, Availability: n.Spec.Availability }]),
  );
  assert.deepEqual(byHost, {
    node1: { Role: 'manager', Availability: 'active' },
    node2: { Role: 'worker', Availability: 'drain' },
    node3: { Role: 'manager', Availability: 'drain' },
  });
  await m.engine.post('/services/create', {
    Name: 'only-on-node1',
    TaskTemplate: { ContainerSpec: { Image: 'busybox' } },
    Mode: { Replicated: { Replicas: 3 } },
  });
  const node1 = nodes.find((n) => n.Description?.Hostname === 'node1')?.ID;
  let tasks: Array<{ NodeID?: string; Status: { State: string } }> = [];
  for (let i = 0; i < 100; i++) {
    tasks = await m.engine.get('/tasks');
    if (tasks.length === 3 && tasks.every((t) => t.Status.State === 'running')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(
    tasks.map((t) => t.NodeID),
    [node1, node1, node1],
  );
});
