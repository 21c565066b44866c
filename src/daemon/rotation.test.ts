// Certificate rotation with real daemons: with a short node certificate lifetime (allowed
// below Docker's hour only through SHOAL_TEST_MIN_CERT_EXPIRY_MS), every node renews its
// certificate again and again while a service keeps running, untouched.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type DaemonHandle, LocalDaemons } from '../demo/daemons.ts';

const LIFETIME_S = 6;
const dir = mkdtempSync(join(tmpdir(), 'shoal-rotation-'));
const cluster = new LocalDaemons({
  dir,
  count: 2,
  executor: 'fake',
  firstHost: 60,
  env: { SHOAL_TEST_MIN_CERT_EXPIRY_MS: '2000' },
});
after(async () => {
  await cluster.stop(2_000);
  rmSync(dir, { recursive: true, force: true });
});

function certOf(d: DaemonHandle): X509Certificate {
  return new X509Certificate(readFileSync(join(d.dataDir, 'certificates', 'swarm-node.crt')));
}

interface TaskInfo {
  ID: string;
  DesiredState: string;
  Status: { State: string };
}

async function runningTasks(d: DaemonHandle): Promise<string[]> {
  const tasks = await d.engine.get<TaskInfo[]>('/tasks');
  return tasks
    .filter((t) => t.DesiredState === 'running' && t.Status.State === 'running')
    .map((t) => t.ID)
    .sort();
}

test('node certificates renew between 50% and 80% of a short lifetime while tasks keep running', async () => {
  await cluster.start();
  const [m, w] = cluster.daemons as [DaemonHandle, DaemonHandle];
  await m.engine.post('/swarm/init', {
    ListenAddr: m.addr,
    AdvertiseAddr: m.addr,
    Spec: { CAConfig: { NodeCertExpiry: LIFETIME_S * 1e9 } },
  });
  const swarm = await m.engine.get<{ JoinTokens: { Worker: string } }>('/swarm');
  await w.engine.post('/swarm/join', {
    ListenAddr: w.addr,
    AdvertiseAddr: w.addr,
    RemoteAddrs: [m.addr],
    JoinToken: swarm.JoinTokens.Worker,
  });
  await m.engine.post('/services/create', {
    Name: 'steady',
    TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Placement: { Constraints: ['node.role==worker'] } },
    Mode: { Replicated: { Replicas: 2 } },
  });
  let before: string[] = [];
  for (let i = 0; i < 100 && before.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    before = await runningTasks(m);
  }
  assert.equal(before.length, 2, 'the service runs');

  const serials = new Map<string, Set<string>>([
    [m.name, new Set()],
    [w.name, new Set()],
  ]);
  const end = Date.now() + 4 * LIFETIME_S * 1000;
  while (Date.now() < end) {
    for (const d of [m, w]) {
      const c = certOf(d);
      serials.get(d.name)?.add(c.serialNumber);
      const lifetime = Date.parse(c.validTo) - Date.parse(c.validFrom);
      assert.ok(lifetime <= (LIFETIME_S + 1) * 1000, `${d.name}: a ${lifetime} ms certificate`);
      assert.ok(Date.parse(c.validTo) > Date.now() - 1000, `${d.name}: its certificate expired unrenewed`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // Over four lifetimes, renewal at 50-80% gives at least four certificates per node.
  for (const [name, s] of serials) assert.ok(s.size >= 4, `${name} had ${s.size} certificates`);
  // The cluster still answers (mutual TLS with renewed certificates) and nothing restarted.
  assert.deepEqual(await runningTasks(m), before);
  const nodes = await m.engine.get<Array<{ Status: { State: string } }>>('/nodes');
  assert.deepEqual(
    nodes.map((n) => n.Status.State),
    ['ready', 'ready'],
  );
});
