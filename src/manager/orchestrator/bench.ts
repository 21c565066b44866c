/**
 * A measurement, not a test: 100 services x 1,000 replicas created at once over 5,000
 * nodes; the replicated orchestrator must write the 100,000 tasks in a few seconds. Then
 * every task is assigned and run (as the scheduler and agents would) to measure what the
 * orchestrators pay per event, and the task reaper and constraint enforcer run alongside;
 * then a node drain, and a global service over every node.
 * Run: node --expose-gc --import tsx src/manager/orchestrator/bench.ts [services] [replicas]
 */
import { realClock } from '../../base/clock.ts';
import { SeededRng } from '../../base/rng.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import { newNode } from '../../store/testing.ts';
import { ConstraintEnforcer } from './constraintenforcer/enforcer.ts';
import { GlobalOrchestrator } from './global/orchestrator.ts';
import { ReplicatedOrchestrator } from './replicated/orchestrator.ts';
import { TaskReaper } from './taskreaper/reaper.ts';
import { globalService, replicatedService } from './testing.ts';

const SERVICES = Number(process.argv[2] ?? 100);
const REPLICAS = Number(process.argv[3] ?? 1000);
const NODES = 5000;
const TOTAL = SERVICES * REPLICAS;

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

async function main(): Promise<void> {
  const store = MemoryStore.local({ clock: realClock });
  const deps = { store, clock: realClock, rng: new SeededRng(7) };
  await store.batch((b) => {
    for (let i = 0; i < NODES; i++) b.update((tx) => tx.nodes.create(newNode(`node${i}`, `host-${i}`)));
  });
  const orch = new ReplicatedOrchestrator(deps);
  const reaper = new TaskReaper(deps);
  const enforcer = new ConstraintEnforcer(deps);
  orch.start();
  reaper.start();
  enforcer.start();
  const heap0 = heapMiB();

  let t0 = performance.now();
  await store.batch((b) => {
    for (let i = 0; i < SERVICES; i++)
      b.update((tx) =>
        tx.services.create(
          replicatedService(`svc${i}`, REPLICAS, {
            TaskTemplate: {
              ContainerSpec: { Image: `registry.example.com/team/app-${i}:1.27`, Env: ['MODE=production'] },
              Resources: { Reservations: { NanoCPUs: 1e8, MemoryBytes: 64 * 2 ** 20 } },
              Placement: { Constraints: ['node.role==worker'] },
            },
          }),
        ),
      );
  });
  await until(() => store.view((tx) => tx.tasks.count()) >= TOTAL);
  const created = performance.now() - t0;
  console.log(
    `${SERVICES} services x ${REPLICAS} replicas: ${TOTAL} tasks created in ${created.toFixed(0)} ms`,
  );
  console.log(`heap with the tasks: ${(heapMiB() - heap0).toFixed(0)} MiB more`);

  t0 = performance.now();
  const ids = store.view((tx) => tx.tasks.all().map((t) => t.ID));
  await store.batch((b) => {
    ids.forEach((id, i) => {
      b.update((tx) => {
        const t = tx.tasks.get(id);
        if (t) tx.tasks.update(t, { NodeID: `node${i % NODES}`, Status: { ...t.Status, State: 'running' } });
      });
    });
  });
  await new Promise((r) => setImmediate(r));
  console.log(
    `${TOTAL} tasks running (one batch, orchestrators watching): ${(performance.now() - t0).toFixed(0)} ms`,
  );

  t0 = performance.now();
  await store.update((tx) => {
    const n = tx.nodes.get('node0');
    if (n) tx.nodes.update(n, { Spec: { ...n.Spec, Availability: 'drain' } });
  });
  await until(() => store.view((tx) => tx.tasks.byNode('node0').every((t) => t.DesiredState !== 'running')));
  console.log(
    `drain of a node with ${TOTAL / NODES} tasks handled in ${(performance.now() - t0).toFixed(0)} ms`,
  );

  const global = new GlobalOrchestrator(deps);
  global.start();
  t0 = performance.now();
  await store.update((tx) => tx.services.create(globalService('agent')));
  await until(() => store.view((tx) => tx.tasks.byService('agent').length) >= NODES - 1);
  console.log(
    `a global service over ${NODES} nodes: tasks created in ${(performance.now() - t0).toFixed(0)} ms`,
  );

  await Promise.all([orch.stop(), global.stop(), reaper.stop(), enforcer.stop()]);
}

await main();
