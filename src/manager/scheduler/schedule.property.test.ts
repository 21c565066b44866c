/**
 * Property tests against an independent oracle (plain sums over the decisions): no
 * assignment breaks a filter (readiness, constraints, CPU and memory, host ports, max
 * replicas); a task is only declared unschedulable when no node could take it; and on
 * identical nodes every service is spread within one task per node (per zone with a spread
 * preference).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Node, Task } from '../../api/index.ts';
import { nodeMatchesConstraints, parseConstraints } from '../../api/validate/constraint.ts';
import { SeededRng } from '../../base/rng.ts';
import { ClusterState } from './cluster-state.ts';
import { makeNode, makeTask, makeTasks, type TaskOptions } from './fixtures.ts';
import { scheduleBatch } from './schedule.ts';
import type { SchedulingDecision } from './types.ts';

const nodeArb = fc.record({
  role: fc.constantFrom('worker' as const, 'manager' as const),
  state: fc.constantFrom('ready' as const, 'ready' as const, 'ready' as const, 'down' as const),
  availability: fc.constantFrom('active' as const, 'active' as const, 'active' as const, 'drain' as const),
  cpus: fc.integer({ min: 0, max: 4 }),
  memoryGB: fc.integer({ min: 0, max: 8 }),
  zone: fc.constantFrom('a', 'b', 'c', ''),
});

const serviceArb = fc.record({
  replicas: fc.integer({ min: 1, max: 12 }),
  cpus: fc.constantFrom(0, 0, 0.5, 1, 2),
  memoryGB: fc.constantFrom(0, 0, 1, 3),
  constraints: fc.subarray([
    'node.role==manager',
    'node.role!=manager',
    'node.labels.zone==a',
    'node.labels.zone!=b',
  ]),
  maxReplicas: fc.constantFrom(0, 0, 1, 2, 3),
  hostPort: fc.constantFrom(0, 0, 80, 443),
  spread: fc.boolean(),
});

type ServiceGen = typeof serviceArb extends fc.Arbitrary<infer T> ? T : never;

function optionsOf(s: ServiceGen): TaskOptions {
  return {
    ...(s.cpus ? { cpus: s.cpus } : {}),
    ...(s.memoryGB ? { memoryGB: s.memoryGB } : {}),
    ...(s.constraints.length ? { constraints: s.constraints } : {}),
    ...(s.maxReplicas ? { maxReplicas: s.maxReplicas } : {}),
    ...(s.hostPort ? { hostPorts: [s.hostPort] } : {}),
    ...(s.spread ? { spread: ['node.labels.zone'] } : {}),
  };
}

/** The oracle: can `node` take `task` given what is already placed on it? Plain sums. */
function fits(node: Node, task: Task, placed: readonly Task[]): boolean {
  if (node.Status.State !== 'ready' || node.Spec.Availability !== 'active') return false;
  const parsed = parseConstraints(task.Spec.Placement?.Constraints ?? []);
  if (!parsed.ok || !nodeMatchesConstraints(parsed.constraints, node)) return false;
  const r = (t: Task) => t.Spec.Resources?.Reservations;
  const cpu = placed.reduce((sum, t) => sum + (r(t)?.NanoCPUs ?? 0), r(task)?.NanoCPUs ?? 0);
  const mem = placed.reduce((sum, t) => sum + (r(t)?.MemoryBytes ?? 0), r(task)?.MemoryBytes ?? 0);
  const res = node.Description?.Resources;
  const asks = (cpu > 0 && (r(task)?.NanoCPUs ?? 0) > 0) || (mem > 0 && (r(task)?.MemoryBytes ?? 0) > 0);
  if (asks && (cpu > (res?.NanoCPUs ?? 0) || mem > (res?.MemoryBytes ?? 0))) return false;
  const port = task.Endpoint?.Ports?.[0]?.PublishedPort;
  if (port && placed.some((t) => t.Endpoint?.Ports?.[0]?.PublishedPort === port)) return false;
  const max = task.Spec.Placement?.MaxReplicas ?? 0;
  if (max > 0 && placed.filter((t) => t.ServiceID === task.ServiceID).length >= max) return false;
  return true;
}

function run(
  nodes: Node[],
  batches: Task[][],
  seed?: number,
  running: Task[] = [],
): { decisions: SchedulingDecision[]; tasks: Task[] } {
  const state = new ClusterState();
  for (const n of nodes) state.upsertNode(n);
  for (const t of running) state.upsertTask(t);
  const decisions: SchedulingDecision[] = [];
  for (const b of batches)
    decisions.push(...scheduleBatch(state, b, seed === undefined ? {} : { rng: new SeededRng(seed) }));
  return { decisions, tasks: batches.flat() };
}

describe('scheduleBatch properties', () => {
  it('never breaks a filter, and gives up only when no node fits', () => {
    fc.assert(
      fc.property(
        fc.array(nodeArb, { minLength: 1, maxLength: 8 }),
        fc.array(serviceArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.integer(), { nil: undefined }),
        (nodeGens, serviceGens, seed) => {
          const nodes = nodeGens.map((g, i) =>
            makeNode(`n${i}`, { ...g, labels: g.zone ? { zone: g.zone } : {} }),
          );
          const tasks = serviceGens.map((s, i) => makeTasks(`s${i}`, s.replicas, optionsOf(s)));
          // Two batches: the second starts from what the first placed.
          const half = Math.ceil(tasks.length / 2);
          const { decisions, tasks: all } = run(
            nodes,
            [tasks.slice(0, half).flat(), tasks.slice(half).flat()],
            seed,
          );
          const byId = new Map(all.map((t) => [t.ID, t]));
          const onNode = new Map<string, Task[]>(nodes.map((n) => [n.ID, []]));
          for (const d of decisions) {
            if (d.kind !== 'assigned') continue;
            const node = nodes.find((n) => n.ID === d.nodeId) as Node;
            const placed = onNode.get(d.nodeId) as Task[];
            const task = byId.get(d.taskId) as Task;
            assert.ok(fits(node, task, placed), `${d.taskId} on ${d.nodeId} breaks a filter`);
            placed.push(task);
          }
          for (const d of decisions) {
            if (d.kind !== 'unschedulable') continue;
            assert.match(d.reason, /^no suitable node/);
            const task = byId.get(d.taskId) as Task;
            for (const node of nodes) {
              assert.ok(
                !fits(node, task, onNode.get(node.ID) ?? []),
                `${d.taskId} fits ${node.ID}: ${d.reason}`,
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('spreads each service within one task per node over identical nodes, whatever else runs there', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.option(fc.integer(), { nil: undefined }),
        (nodeCount, replicas, background, seed) => {
          const nodes = Array.from({ length: nodeCount }, (_, i) =>
            makeNode(`n${String(i).padStart(2, '0')}`),
          );
          const running = background.map((n, i) =>
            makeTask(`bg.${i}`, 'bg', { nodeId: nodes[n % nodeCount]?.ID as string, state: 'running' }),
          );
          const batches = replicas.map((r, i) => makeTasks(`s${i}`, r, { cpus: 0.01 }));
          const { decisions } = run(nodes, batches, seed, running);
          assert.ok(decisions.every((d) => d.kind === 'assigned'));
          replicas.forEach((_, i) => {
            const counts = new Map(nodes.map((n) => [n.ID, 0]));
            for (const d of decisions) {
              if (d.kind === 'assigned' && d.taskId.startsWith(`s${i}.`))
                counts.set(d.nodeId, (counts.get(d.nodeId) ?? 0) + 1);
            }
            const c = [...counts.values()];
            assert.ok(Math.max(...c) - Math.min(...c) <= 1, `service s${i}: ${c}`);
          });
          const totals = new Map(nodes.map((n) => [n.ID, 0]));
          for (const d of decisions)
            if (d.kind === 'assigned') totals.set(d.nodeId, (totals.get(d.nodeId) ?? 0) + 1);
          const t = [...totals.values()];
          // Per-service spread first can leave totals a little uneven, never by more than the services.
          if (running.length === 0)
            assert.ok(Math.max(...t) - Math.min(...t) <= replicas.length, `totals: ${t}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('spreads over zones first when asked to', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 40 }),
        (zones, perZone, replicas) => {
          const nodes = Array.from({ length: zones * perZone }, (_, i) =>
            makeNode(`n${String(i).padStart(2, '0')}`, { labels: { zone: `z${i % zones}` } }),
          );
          const { decisions } = run(nodes, [makeTasks('web', replicas, { spread: ['node.labels.zone'] })]);
          const perZoneCount = new Map<string, number>();
          const perNodeCount = new Map(nodes.map((n) => [n.ID, 0]));
          for (const d of decisions) {
            assert.equal(d.kind, 'assigned');
            if (d.kind !== 'assigned') continue;
            const zone = nodes.find((n) => n.ID === d.nodeId)?.Spec.Labels?.zone as string;
            perZoneCount.set(zone, (perZoneCount.get(zone) ?? 0) + 1);
            perNodeCount.set(d.nodeId, (perNodeCount.get(d.nodeId) ?? 0) + 1);
          }
          const z = Array.from({ length: zones }, (_, i) => perZoneCount.get(`z${i}`) ?? 0);
          assert.ok(Math.max(...z) - Math.min(...z) <= 1, `zones: ${z}`);
          const n = [...perNodeCount.values()];
          assert.ok(Math.max(...n) - Math.min(...n) <= 1, `nodes: ${n}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
