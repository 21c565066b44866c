/**
 * Micro-benchmark of the decision core: S services x R replicas over N nodes (default
 * 100 x 1,000 over 5,000 = 100,000 decisions), the control plane's target scale. A mix of
 * services: most reserve CPU and memory, some add constraints, zone spread preferences, a
 * max-replicas limit or a host-mode port, and one asks for more than the swarm can give (its
 * tasks are explained). Task and node objects are built before timing.
 *
 *   node --import tsx src/manager/scheduler/bench.ts [--nodes 5000] [--services 100]
 *        [--replicas 1000] [--runs 3] [--rng]
 */
import type { Node, Task } from '../../api/index.ts';
import { SeededRng } from '../../base/rng.ts';
import { ClusterState } from './cluster-state.ts';
import { makeNode, makeTasks, type TaskOptions } from './fixtures.ts';
import { scheduleBatch } from './schedule.ts';
import type { SchedulingDecision } from './types.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const NODES = arg('nodes', 5000);
const SERVICES = arg('services', 100);
const REPLICAS = arg('replicas', 1000);
const RUNS = arg('runs', 3);
const RNG = process.argv.includes('--rng');

function buildNodes(): Node[] {
  return Array.from({ length: NODES }, (_, i) =>
    makeNode(`node-${String(i).padStart(5, '0')}`, {
      role: i < 5 ? 'manager' : 'worker',
      cpus: 16,
      memoryGB: 64,
      labels: { zone: `zone-${i % 5}`, tier: i % 4 === 0 ? 'front' : 'back' },
    }),
  );
}

function serviceOptions(s: number): TaskOptions {
  const base: TaskOptions = { cpus: 0.25, memoryGB: 0.5 };
  switch (s % 10) {
    case 1:
      return { ...base, constraints: ['node.labels.tier==back', 'node.role==worker'] };
    case 2:
      return { ...base, spread: ['node.labels.zone'] };
    case 3:
      return { ...base, maxReplicas: 2 };
    case 4:
      return s < 50 ? { ...base, hostPorts: [20000 + s] } : base;
    case 5: // over-subscribed: 5 managers x 2 each, the rest must be explained
      return s === 5 ? { ...base, constraints: ['node.role==manager'], maxReplicas: 2 } : base;
    default:
      return base;
  }
}

function buildTasks(): Task[][] {
  return Array.from({ length: SERVICES }, (_, s) => makeTasks(`svc-${s}`, REPLICAS, serviceOptions(s)));
}

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

function stateOf(nodes: Node[]): ClusterState {
  const s = new ClusterState();
  for (const n of nodes) s.upsertNode(n);
  return s;
}

function summary(decisions: SchedulingDecision[]): string {
  const assigned = decisions.filter((d) => d.kind === 'assigned').length;
  return `${assigned} assigned, ${decisions.length - assigned} unschedulable`;
}

const nodes = buildNodes();
const services = buildTasks();
const all = services.flat();
const options = () => (RNG ? { rng: new SeededRng(1) } : {});
console.log(
  `${SERVICES} services x ${REPLICAS} replicas over ${NODES} nodes (${all.length} tasks)${RNG ? ', Rng ties' : ''}`,
);

for (let run = 1; run <= RUNS; run++) {
  const [state, buildMs] = time(() => stateOf(nodes));
  const [decisions, oneMs] = time(() => scheduleBatch(state, all, options()));
  const perSvcState = stateOf(nodes);
  const [perSvc, perSvcMs] = time(() =>
    services.flatMap((tasks) => scheduleBatch(perSvcState, tasks, options())),
  );
  // The wiring's confirm path: every decision comes back as a store event (task ASSIGNED).
  const replay = stateOf(nodes);
  const byId = new Map(all.map((t) => [t.ID, t]));
  const events = decisions.flatMap((d) =>
    d.kind === 'assigned'
      ? [
          {
            ...(byId.get(d.taskId) as Task),
            NodeID: d.nodeId,
            Status: { Timestamp: '', State: 'assigned' as const },
          },
        ]
      : [],
  );
  const [, replayMs] = time(() => {
    for (const e of events) replay.upsertTask(e);
  });
  // One task at a time on the loaded cluster: what a caller that does not batch would pay.
  const singles = makeTasks('single', 200, serviceOptions(0));
  const [, singleMs] = time(() => {
    for (const t of singles) scheduleBatch(state, [t], options());
  });
  console.log(
    `run ${run}: state ${buildMs.toFixed(0)} ms | one batch ${oneMs.toFixed(0)} ms (${summary(decisions)}, ` +
      `${((oneMs * 1000) / all.length).toFixed(1)} µs/decision) | batch per service ${perSvcMs.toFixed(0)} ms ` +
      `(${summary(perSvc)}) | ${events.length} task events ${replayMs.toFixed(0)} ms | ` +
      `1-task batch ${(singleMs / singles.length).toFixed(2)} ms`,
  );
}
const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
console.log(`heap used ${heapMB.toFixed(0)} MB`);
