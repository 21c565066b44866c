/**
 * A measurement of the store at the benchmark's size (not a test): 5,000 nodes, 100
 * services, 100,000 tasks created through batch() and the local proposer (the same
 * encode/decode/apply path as Raft, without consensus), then the scheduler's pass (every
 * task assigned to a node in one batch), the hot lookups, and snapshot/restore.
 * Run: node --expose-gc --import tsx src/store/bench.ts [tasks]
 */
import type { Task } from '../api/task.ts';
import { MemoryStore } from './memory-store.ts';
import { ManualClock, newNode, newService } from './testing.ts';
import type { NewObject } from './types.ts';

const TASKS = Number(process.argv[2] ?? 100_000);
const NODES = 5_000;
const SERVICES = 100;
const perService = TASKS / SERVICES;

const gc = (globalThis as { gc?: () => void }).gc;
function heapMiB(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function time<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  console.log(`${label.padEnd(52)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
  return r;
}

async function timeAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  console.log(`${label.padEnd(52)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms`);
  return r;
}

/** A task as an orchestrator writes it: the service's task spec copied in. */
function task(i: number): NewObject<Task> {
  const svc = i % SERVICES;
  return {
    ID: `task${String(i).padStart(21, '0')}`,
    ServiceID: `svc${svc}`,
    Slot: Math.floor(i / SERVICES) + 1,
    Spec: {
      ContainerSpec: {
        Image: `registry.example.com/team/app-${svc}:1.27@sha256:${'ab'.repeat(32)}`,
        Env: ['MODE=production', `SERVICE=${svc}`],
        Labels: { 'com.docker.stack.namespace': 'bench' },
      },
      Resources: { Reservations: { NanoCPUs: 100_000_000, MemoryBytes: 64 * 2 ** 20 } },
      RestartPolicy: { Condition: 'any', Delay: 5e9 },
      Placement: { Constraints: ['node.role==worker'] },
    },
    Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: 'new', Message: 'created' },
    DesiredState: 'running',
    ServiceAnnotations: { Name: `app-${svc}`, Labels: { 'com.docker.stack.namespace': 'bench' } },
    SpecVersion: { Index: 12 },
  };
}

async function main(): Promise<void> {
  const store = MemoryStore.local({ clock: new ManualClock() });
  const heap0 = heapMiB();
  await timeAsync(`${NODES} nodes, ${SERVICES} services`, () =>
    store.batch((b) => {
      for (let i = 0; i < NODES; i++) b.update((tx) => tx.nodes.create(newNode(`node${i}`, `host-${i}`)));
      for (let i = 0; i < SERVICES; i++)
        b.update((tx) => tx.services.create(newService(`svc${i}`, `app-${i}`)));
    }),
  );
  const heap1 = heapMiB();
  const objects = Array.from({ length: TASKS }, (_, i) => task(i));
  const entryBytes = new TextEncoder().encode(JSON.stringify([['c', 'tasks', objects[0]]])).length;
  console.log(`one task create on the wire: ${entryBytes} bytes`);
  let built = 0;
  const t0 = performance.now();
  const pending = store.batch((b) => {
    for (const o of objects) b.update((tx) => tx.tasks.create(o));
    built = performance.now();
  });
  const res = await pending;
  const t1 = performance.now();
  console.log(
    `${TASKS} task creates via batch: ${(t1 - t0).toFixed(0)} ms (transactions + encoding ${(built - t0).toFixed(0)} ms, ` +
      `decode + apply ${(t1 - built).toFixed(0)} ms), ${res.entries} entries, ${res.failed.length} failed`,
  );
  objects.length = 0;
  const heap2 = heapMiB();
  console.log(
    `heap: before ${heap0.toFixed(0)} MiB, with nodes ${heap1.toFixed(0)} MiB, with tasks ${heap2.toFixed(0)} MiB ` +
      `(${(((heap2 - heap1) * 2 ** 20) / TASKS).toFixed(0)} bytes a task, indexes included)`,
  );

  const sched = await timeAsync(`${TASKS} task assignments via batch (scheduler)`, () =>
    store.batch((b) => {
      const pendingTasks = store.view((tx) => tx.tasks.byState('new'));
      pendingTasks.forEach((t, i) => {
        b.update((tx) => {
          tx.tasks.update(t, {
            NodeID: `node${i % NODES}`,
            Status: {
              Timestamp: t.Status.Timestamp,
              State: 'assigned',
              Message: 'scheduler assigned task to node',
            },
          });
        });
      });
    }),
  );
  console.log(`  ${sched.applied} applied, ${sched.entries} entries`);

  const N = 100_000;
  let sink = 0;
  const lookups: Array<[string, (i: number) => number]> = [
    [
      'get by id',
      (i) => (store.view((tx) => tx.tasks.get(`task${String(i % TASKS).padStart(21, '0')}`)) ? 1 : 0),
    ],
    [
      'tasks by service (1,000 each)',
      (i) => store.view((tx) => tx.tasks.byService(`svc${i % SERVICES}`).length),
    ],
    ['tasks by node (20 each)', (i) => store.view((tx) => tx.tasks.byNode(`node${i % NODES}`).length)],
    [
      'tasks by (service, slot)',
      (i) => store.view((tx) => tx.tasks.bySlot(`svc${i % SERVICES}`, (i % perService) + 1).length),
    ],
    [
      'tasks by (service, node)',
      (i) => store.view((tx) => tx.tasks.byServiceNode(`svc${i % SERVICES}`, `node${i % NODES}`).length),
    ],
    [
      'task by unique id prefix (lookup)',
      (i) =>
        store.view((tx) =>
          tx.tasks.lookup(
            `task${String(i % TASKS)
              .padStart(21, '0')
              .slice(0, 21)}`,
          ),
        ).ok
          ? 1
          : 0,
    ],
    [
      'service by name (lookup)',
      (i) => (store.view((tx) => tx.services.lookup(`app-${i % SERVICES}`)).ok ? 1 : 0),
    ],
    ['nodes by role (5,000)', () => store.view((tx) => tx.nodes.byRole('worker').length)],
  ];
  for (const [label, fn] of lookups) {
    const n = label.includes('5,000') || label.includes('1,000') ? N / 100 : N;
    const t = performance.now();
    for (let i = 0; i < n; i++) sink += fn(i);
    const us = ((performance.now() - t) * 1000) / n;
    console.log(`${label.padEnd(52)} ${us.toFixed(2).padStart(8)} µs each`);
  }
  const writeTxn = await timeAsync('1,000 single update() calls, sequential', async () => {
    for (let i = 0; i < 1_000; i++) {
      await store.update((tx) => {
        const t = tx.tasks.get(`task${String(i).padStart(21, '0')}`);
        if (t) tx.tasks.update({ ...t, Status: { ...t.Status, State: 'running' } });
      });
    }
    return 0;
  });
  sink += writeTxn;

  const snap = time('snapshot', () => store.stateMachine.snapshot());
  console.log(`  ${(snap.byteLength / 2 ** 20).toFixed(1)} MiB`);
  const copy = new MemoryStore({ clock: new ManualClock() });
  time('restore (indexes rebuilt)', () => copy.stateMachine.restore(snap));
  console.log(`(checksum ${sink}, restored ${copy.view((tx) => tx.tasks.count())} tasks)`);
}

void main();
