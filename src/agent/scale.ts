/**
 * The session at scale (tests and bench only): N agents on fake executors against one
 * dispatcher over a MemoryNetwork with random latency, on virtual time, with a real store.
 * Phases, each timed in wall-clock ms:
 *
 *   register   every agent connects; every node READY in the store
 *   assign     T tasks go ASSIGNED round-robin (one store batch, the scheduler's cost, not
 *              counted); until every task is RUNNING in the store: streaming, running,
 *              reporting, batched status writes
 *   steady     60 s of heartbeats (virtual)
 *   failover   the leader changes; every agent reconnects to the new one; no node DOWN
 *   shutdown   every task desired SHUTDOWN; until every task is SHUTDOWN in the store
 */
import { SeededRng } from '../base/rng.ts';
import { FakeExecutor } from '../executor/fake/executor.ts';
import { FakeRegistry } from '../executor/fake/registry.ts';
import { harness } from '../manager/dispatcher/testkit.ts';
import { NodeClock, type VirtualTime } from '../sim/time.ts';
import type { WriteTx } from '../store/index.ts';
import { newTask } from '../store/testing.ts';
import { Agent } from './agent.ts';

export interface ScaleOptions {
  nodes: number;
  tasks: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface ScaleFigures {
  registerMs: number;
  assignMs: number;
  assignVirtualMs: number;
  steadyMs: number;
  heartbeats: number;
  failoverMs: number;
  failoverVirtualMs: number;
  shutdownMs: number;
  nodesDown: number;
  /** Node writes by the new leader's dispatcher (none when every node came back in time). */
  newLeaderNodeWrites: number;
  messages: number;
  statusBatches: number;
  taskWrites: number;
  assignmentMessages: number;
  heapMiB?: number;
  dispatcherMiB?: number;
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs virtual time until `cond`, settling promises once per timestamp (not per event). */
async function runUntil(vt: VirtualTime, cond: () => boolean, ms: number): Promise<boolean> {
  const end = vt.now + ms;
  await settle();
  while (!cond()) {
    let fn = vt.next(end);
    if (!fn) break;
    fn();
    for (fn = vt.next(vt.now); fn; fn = vt.next(vt.now)) fn();
    await settle();
  }
  return cond();
}

export async function runScale(opts: ScaleOptions): Promise<ScaleFigures> {
  const log = opts.log ?? (() => {});
  const h = harness({ managers: 2, latencyMs: { min: 1, max: 5 }, codec: 'none', freeze: false });
  const { vt, store } = h;
  const run = (cond: () => boolean, ms: number) => runUntil(vt, cond, ms);
  const rng = new SeededRng(opts.seed ?? 1);
  const registry = new FakeRegistry();
  const agents: Agent[] = [];
  const count = (state: string) => store.view((tx) => tx.nodes.byState(state as 'ready').length);
  // Counted from events: querying 100,000 tasks per virtual instant would be the bench's cost.
  const byState = new Map<string, number>();
  const bump = (state: string, by: number) => byState.set(state, (byState.get(state) ?? 0) + by);
  store.subscribe(
    (events) => {
      for (const e of events) {
        if (e.table !== 'tasks') continue;
        if (e.old) bump(e.old.Status.State, -1);
        if (e.kind !== 'delete') bump(e.object.Status.State, 1);
        else bump(e.object.Status.State, -1);
      }
    },
    { tables: ['tasks'] },
  );
  const tasksIn = (state: string) => byState.get(state) ?? 0;
  let t0 = performance.now();
  for (let i = 0; i < opts.nodes; i++) {
    // Each node's clock drifts a little, as real ones do.
    const clock = new NodeClock(vt, 1 + (rng.next() - 0.5) / 500);
    const nodeId = `node${i}`;
    const executor = new FakeExecutor({ clock, rng: rng.fork(), hostname: nodeId, registry, jitter: 0.3 });
    const agent = new Agent({
      nodeId,
      executor,
      dialer: h.net.dialer({ addr: `10.${i >> 8}.${i & 255}.1` }),
      managers: ['m1:2377', 'm2:2377'],
      clock,
      rng: rng.fork(),
    });
    agents.push(agent);
    void agent.start();
  }
  if (!(await run(() => count('ready') === opts.nodes, 60_000))) throw new Error('not every node ready');
  const registerMs = performance.now() - t0;
  log(`register: ${opts.nodes} nodes ready in ${registerMs.toFixed(0)} ms`);

  let down = 0;
  store.subscribe(
    (events) => {
      for (const e of events) if (e.table === 'nodes' && e.object.Status.State === 'down') down++;
    },
    { tables: ['nodes'] },
  );
  const labels = {
    'shoal.fake.prepare-ms': '400',
    'shoal.fake.start-ms': '200',
    'shoal.fake.stop-ms': '100',
  };
  await store.batch((b) => {
    for (let i = 0; i < opts.tasks; i++) {
      const t = newTask(`task${i}`, `svc${i % 100}`, {
        Slot: Math.floor(i / 100) + 1,
        Spec: { ContainerSpec: { Image: 'nginx:1.27', Labels: labels, StopGracePeriod: 1e9 } },
        Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: 'assigned' },
        NodeID: `node${i % opts.nodes}`,
      });
      b.update((tx: WriteTx) => tx.tasks.create(t));
    }
  });
  t0 = performance.now();
  let v0 = vt.now;
  if (!(await run(() => tasksIn('running') === opts.tasks, 120_000))) {
    throw new Error(`only ${tasksIn('running')} of ${opts.tasks} tasks running`);
  }
  const assignMs = performance.now() - t0;
  const assignVirtualMs = vt.now - v0;
  log(
    `assign: ${opts.tasks} tasks RUNNING in ${assignMs.toFixed(0)} ms (${assignVirtualMs.toFixed(0)} ms virtual)`,
  );

  const d1 = h.dispatcher('m1').stats();
  const sentBefore = h.net.stats.sent;
  t0 = performance.now();
  await h.advance(0);
  await run(() => false, 60_000);
  const steadyMs = performance.now() - t0;
  const heartbeats = Math.round((h.net.stats.sent - sentBefore) / 2);
  log(`steady: 60 s of heartbeats (${heartbeats}) in ${steadyMs.toFixed(0)} ms`);

  t0 = performance.now();
  v0 = vt.now;
  h.elect('m2');
  const moved = () => agents.every((a) => a.manager === 'm2:2377');
  if (!(await run(moved, 60_000))) throw new Error('not every agent moved to the new leader');
  const failoverMs = performance.now() - t0;
  const failoverVirtualMs = vt.now - v0;
  await run(() => false, 20_000);
  log(
    `failover: every agent on the new leader in ${failoverMs.toFixed(0)} ms (${failoverVirtualMs.toFixed(0)} ms virtual)`,
  );

  await store.batch((b) => {
    for (const t of store.view((tx) => tx.tasks.all())) {
      b.update((tx: WriteTx) => tx.tasks.update(t, { DesiredState: 'shutdown' }));
    }
  });
  t0 = performance.now();
  if (!(await run(() => tasksIn('shutdown') === opts.tasks, 120_000))) {
    throw new Error(`only ${tasksIn('shutdown')} of ${opts.tasks} tasks shut down`);
  }
  const shutdownMs = performance.now() - t0;
  log(`shutdown: ${opts.tasks} tasks SHUTDOWN in ${shutdownMs.toFixed(0)} ms`);

  const d2 = h.dispatcher('m2').stats();
  const figures: ScaleFigures = {
    registerMs,
    assignMs,
    assignVirtualMs,
    steadyMs,
    heartbeats,
    failoverMs,
    failoverVirtualMs,
    shutdownMs,
    nodesDown: down,
    newLeaderNodeWrites: d2.writes?.nodeWrites ?? 0,
    messages: h.net.stats.sent,
    statusBatches: (d1.writes?.batches ?? 0) + (d2.writes?.batches ?? 0),
    taskWrites: (d1.writes?.taskWrites ?? 0) + (d2.writes?.taskWrites ?? 0),
    assignmentMessages:
      (d1.assignments?.complete ?? 0) +
      (d1.assignments?.incremental ?? 0) +
      (d2.assignments?.complete ?? 0) +
      (d2.assignments?.incremental ?? 0),
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc?.();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  if (gc) figures.heapMiB = heap();
  // What the leader's dispatcher holds (sessions, liveness, assignment sets): freed by stop().
  h.dispatcher('m2').stop();
  if (gc && figures.heapMiB !== undefined) figures.dispatcherMiB = figures.heapMiB - heap();
  for (const a of agents) await a.stop();
  for (const d of h.dispatchers.values()) d.dispose();
  return figures;
}
