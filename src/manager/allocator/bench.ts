/**
 * A measurement of the allocator at the control-plane benchmark's size (not a test):
 * 100 services, 100,000 tasks created NEW in one batch (as an orchestrator would), then
 * the time until the allocator has moved every one to PENDING, through the local store
 * (the same encode/decode/apply path as Raft, without consensus). Three shapes:
 *   plain   services with no network and no port: the NEW -> PENDING move alone
 *   overlay each service on its own overlay network (SubnetSize 20): a VIP per service,
 *           an address per task (100,000 addresses)
 *   mesh    as overlay, and each service publishes a port through an ingress of /14:
 *           two addresses per task (200,000), 100 published ports
 * Measured cold (tasks written with no allocator, then a leader's allocator starts), then a
 * new allocator on the loaded store (a leader change: rebuild time, entries written), and
 * online (the allocator running while the tasks are written).
 * Run: node --expose-gc --import tsx src/manager/allocator/bench.ts [tasks]
 */
import type { Task } from '../../api/task.ts';
import { realClock } from '../../base/clock.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import type { NewObject } from '../../store/types.ts';
import { Allocator } from './allocator.ts';
import { ingressPort, overlay, service } from './fixtures.ts';

const TASKS = Number(process.argv[2] ?? 100_000);
const SERVICES = 100;
type Shape = 'plain' | 'overlay' | 'mesh';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const ms = (t: number) => `${t.toFixed(0).padStart(6)} ms`;

function taskOf(i: number, networks: string[]): NewObject<Task> {
  const svc = i % SERVICES;
  return {
    ID: `task${String(i).padStart(21, '0')}`,
    ServiceID: `svc${svc}`,
    Slot: Math.floor(i / SERVICES) + 1,
    Spec: {
      ContainerSpec: { Image: `registry.example.com/team/app-${svc}:1.27`, Env: ['MODE=production'] },
      Resources: { Reservations: { NanoCPUs: 100_000_000, MemoryBytes: 64 * 2 ** 20 } },
      ...(networks.length > 0 ? { Networks: networks.map((Target) => ({ Target })) } : {}),
    },
    Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: 'new', Message: 'created' },
    DesiredState: 'running',
    ServiceAnnotations: { Name: `app-${svc}` },
  };
}

async function build(shape: Shape): Promise<MemoryStore> {
  const store = MemoryStore.local({ clock: realClock });
  await store.update((tx) => tx.clusters.create({ ID: 'c', Spec: { Name: 'default' }, SubnetSize: 20 }));
  await store.batch((b) => {
    if (shape === 'mesh') {
      const ingress = overlay('ingress', { subnet: '10.128.0.0/14' });
      b.update((tx) => tx.networks.create({ ...ingress, Spec: { ...ingress.Spec, Ingress: true } }));
    }
    for (let i = 0; i < SERVICES; i++) {
      const nets = shape === 'plain' ? [] : [`net${i}`];
      if (shape !== 'plain') b.update((tx) => tx.networks.create(overlay(`net${i}`)));
      const ports = shape === 'mesh' ? [ingressPort(80)] : undefined;
      b.update((tx) =>
        tx.services.create(service(`svc${i}`, { networks: nets, ...(ports ? { ports } : {}) })),
      );
    }
  });
  return store;
}

const writeTasks = (store: MemoryStore, shape: Shape) => {
  const objects = Array.from({ length: TASKS }, (_, i) =>
    taskOf(i, shape === 'plain' ? [] : [`net${i % SERVICES}`]),
  );
  return store.batch((b) => {
    for (const o of objects) b.update((tx) => tx.tasks.create(o));
  });
};

/** Tasks written with no allocator running, then a leader's allocator starts; then another. */
async function cold(shape: Shape): Promise<void> {
  const store = await build(shape);
  const t0 = performance.now();
  await writeTasks(store, shape);
  const t1 = performance.now();
  const heap0 = heapMiB();
  const allocator = new Allocator({ store, clock: realClock });
  allocator.start();
  await allocator.idle();
  const t2 = performance.now();
  const pending = store.view((tx) => tx.tasks.byState('pending').length);
  const s = allocator.stats;
  console.log(
    `${shape.padEnd(8)} ${TASKS} NEW tasks written ${ms(t1 - t0)} | allocator: all PENDING in ${ms(t2 - t1)} ` +
      `(restore ${ms(s.restoreMs)}, decide ${ms(s.decideMs)}, store batch ${ms(s.writeMs)}; ${s.passes} passes) ` +
      `| pending ${pending}, problems ${allocator.problems().length}`,
  );
  await allocator.stop();
  const heapStore = heapMiB();
  const index = store.index;
  const next = new Allocator({ store, clock: realClock });
  const t3 = performance.now();
  next.start();
  await next.idle();
  const t4 = performance.now();
  const heapBoth = heapMiB();
  console.log(
    `${''.padEnd(8)} leader change: rebuild ${ms(next.stats.restoreMs)}, first pass ${ms(t4 - t3 - next.stats.restoreMs)}, ` +
      `entries written ${store.index - index} | heap ${heap0.toFixed(0)} -> ${heapStore.toFixed(0)} MiB ` +
      `(tasks NEW -> allocated), a rebuilt allocator's state ${(heapBoth - heapStore).toFixed(1)} MiB ` +
      `(${(((heapBoth - heapStore) * 2 ** 20) / TASKS).toFixed(0)} bytes a task)`,
  );
  await next.stop();
}

/** The allocator running while the orchestrator writes the tasks: batch start to all PENDING. */
async function online(shape: Shape): Promise<void> {
  const store = await build(shape);
  const allocator = new Allocator({ store, clock: realClock });
  allocator.start();
  await allocator.idle();
  const before = { ...allocator.stats };
  const t0 = performance.now();
  await writeTasks(store, shape);
  await allocator.idle();
  const t1 = performance.now();
  const s = allocator.stats;
  console.log(
    `${shape.padEnd(8)} online: ${TASKS} tasks written and all PENDING in ${ms(t1 - t0)} ` +
      `(allocator decide ${ms(s.decideMs - before.decideMs)}, its store batches ${ms(s.writeMs - before.writeMs)}, ` +
      `${s.passes - before.passes} passes)`,
  );
  await allocator.stop();
}

async function main(): Promise<void> {
  for (const shape of ['plain', 'overlay', 'mesh'] as const) await cold(shape);
  for (const shape of ['plain', 'overlay'] as const) await online(shape);
}

void main();
