/**
 * One simulated swarm run from one seed: a small swarm with replicated and global
 * services, under seeded faults (machines crashing and restarting, managers among them,
 * machines cut off, nodes drained and reactivated, rolling updates started mid-fault),
 * then everything heals and the swarm must converge. Checked throughout: a task's state
 * never moves backwards. Checked at the end: every service converges (replica counts, one
 * task per eligible node, nothing on drained or down nodes, no slot running twice), and
 * every manager's store is the same.
 */
import type { Service, ServiceSpec } from '../../api/service.ts';
import { canTransition } from '../../api/task-state.ts';
import type { Rng } from '../../base/rng.ts';
import type { Stored } from '../../store/types.ts';
import { converged, describeCrowdedSlots } from './checks.ts';
import type { Machine } from './machine.ts';
import { SwarmSim } from './swarm.ts';

export interface SwarmSeedResult {
  seed: number;
  ok: boolean;
  failures: string[];
  trace: string[];
  stats: { virtualSeconds: number; faults: number; tasks: number };
}

export interface SwarmRunOptions {
  managers?: number;
  workers?: number;
  faultSeconds?: number;
  convergeSeconds?: number;
}

export async function runSwarmSeed(seed: number, o: SwarmRunOptions = {}): Promise<SwarmSeedResult> {
  const sim = new SwarmSim(seed, { managers: o.managers ?? 3, workers: o.workers ?? 4 });
  const failures: string[] = [];
  let faults = 0;
  try {
    await sim.init();
    const watched = new Set<unknown>();
    const watchStores = (): void => {
      for (const m of sim.machines) {
        const store = m.manager?.store;
        if (!store || watched.has(store)) continue;
        watched.add(store);
        store.subscribe(
          (events) => {
            for (const e of events) {
              if (e.table === 'services' && m === sim.leaderMachine()) traceService(sim, e.object, e.old);
              if (e.table !== 'tasks' || e.kind !== 'update' || !e.old) continue;
              if (!canTransition(e.old.Status.State, e.object.Status.State)) {
                failures.push(
                  `task ${e.object.ID} moved back from ${e.old.Status.State} to ${e.object.Status.State} (${m.nodeId}'s store)`,
                );
              }
            }
          },
          { tables: ['tasks', 'services'] },
        );
      }
    };
    watchStores();
    const rng = sim.rng.fork();
    await sim.control((c) =>
      c.createService({
        Name: 'web',
        TaskTemplate: { ContainerSpec: { Image: 'web:1' }, RestartPolicy: { Delay: 1_000_000_000 } },
        Mode: { Replicated: { Replicas: rng.int(2, 7) } },
        UpdateConfig: {
          Parallelism: rng.int(1, 3),
          Delay: 1_000_000_000,
          Order: rng.chance(0.5) ? 'start-first' : 'stop-first',
        },
      }),
    );
    await sim.control((c) =>
      c.createService({
        Name: 'agent',
        TaskTemplate: { ContainerSpec: { Image: 'agent:1' } },
        Mode: { Global: {} },
      }),
    );
    const faultEnd = sim.vt.now + (o.faultSeconds ?? 40) * 1000;
    while (sim.vt.now < faultEnd && failures.length === 0) {
      await sim.run(rng.int(500, 4_000));
      faults++;
      await fault(sim, rng);
      watchStores();
    }
    // Heal: every machine up and connected, every node active.
    for (const m of sim.machines) {
      sim.isolate(m, false);
      if (!m.up) await sim.await(m.restart());
    }
    sim.trace.add('all faults healed');
    for (const m of sim.machines) {
      await sim
        .control((c) => sim.updateNode(c, m.nodeId, { Availability: 'active' }), 60_000)
        .catch(() => undefined);
    }
    await sim
      .until(() => converged(sim).ok, (o.convergeSeconds ?? 90) * 1000, 'convergence')
      .catch((e: Error) => {
        failures.push(`${e.message}: ${converged(sim).problems.join('; ')}`, ...describeCrowdedSlots(sim));
      });
    await sim.run(2_000);
    if (failures.length === 0) failures.push(...sameStores(sim));
  } catch (e) {
    failures.push(`error: ${(e as Error).stack ?? e}`);
  }
  const tasks = sim.leaderMachine()?.manager?.store.view((tx) => tx.tasks.count()) ?? 0;
  await sim.stop();
  return {
    seed,
    ok: failures.length === 0,
    failures,
    trace: sim.trace.tail(120),
    stats: { virtualSeconds: sim.vt.now / 1000, faults, tasks },
  };
}

async function fault(sim: SwarmSim, rng: Rng): Promise<void> {
  const m = rng.pick(sim.machines) as Machine;
  switch (rng.int(0, 6)) {
    case 0: // crash a machine (often the leader), restart it a little later
    case 1: {
      const victim = rng.chance(0.4) ? (sim.leaderMachine() ?? m) : m;
      if (!victim.up || sim.machines.filter((x) => !x.up).length >= 2) return;
      victim.crash();
      sim.vt.after(rng.int(500, 20_000), () => void victim.restart());
      return;
    }
    case 2: {
      // cut a machine off for a while
      sim.isolate(m, true);
      sim.vt.after(rng.int(500, 20_000), () => sim.isolate(m, false));
      return;
    }
    case 3: {
      const availability = rng.pick(['drain', 'pause', 'active'] as const);
      sim.trace.add(`${m.nodeId} availability ${availability}`);
      await sim
        .control((c) => sim.updateNode(c, m.nodeId, { Availability: availability }), 10_000)
        .catch(() => undefined);
      return;
    }
    case 4: {
      // a rolling update or a scale change of web
      await sim
        .control(async (c) => {
          const s = await c.getService('web');
          const spec = structuredClone(s.Spec) as ServiceSpec & {
            Mode: { Replicated: { Replicas: number } };
          };
          if (rng.chance(0.5)) {
            const image = spec.TaskTemplate.ContainerSpec?.Image === 'web:1' ? 'web:2' : 'web:1';
            spec.TaskTemplate = { ...spec.TaskTemplate, ContainerSpec: { Image: image } };
            sim.trace.add(`update web to ${image}`);
          } else {
            spec.Mode = { Replicated: { Replicas: rng.int(1, 8) } };
            sim.trace.add(`scale web to ${spec.Mode.Replicated.Replicas}`);
          }
          await c.updateService(s.ID, s.Version.Index, spec);
        }, 10_000)
        .catch(() => undefined);
      return;
    }
    default: {
      // a task dies on its own
      const running = [...sim.registry.values()].filter((c) => c.state === 'running');
      if (running.length === 0) return;
      const c = rng.pick(running);
      sim.trace.add(`container of task ${c.taskId} on ${c.node} exits 1`);
      c.exitNow(1);
    }
  }
}

/** Every manager's store holds the same objects (compared once replication settled). */
function sameStores(sim: SwarmSim): string[] {
  const managers = sim.machines.filter((m) => m.up && m.manager);
  const snaps = managers.map((m) => {
    const s = m.manager?.store;
    return s
      ? {
          id: m.nodeId,
          index: s.index,
          tasks: s.view((tx) => tx.tasks.count()),
          services: s.view((tx) => tx.services.count()),
        }
      : undefined;
  });
  const first = snaps[0];
  const out: string[] = [];
  for (const s of snaps) {
    if (!s || !first) continue;
    if (s.index === first.index && (s.tasks !== first.tasks || s.services !== first.services)) {
      out.push(`stores differ at index ${s.index}: ${first.id} has ${first.tasks} tasks, ${s.id} ${s.tasks}`);
    }
  }
  return out;
}

/** A service's spec version or update status changing, as the leader's store applies it. */
function traceService(sim: SwarmSim, s: Stored<Service>, old: Stored<Service> | undefined): void {
  const v = s.SpecVersion?.Index;
  const st = s.UpdateStatus?.State;
  if (old && old.SpecVersion?.Index === v && old.UpdateStatus?.State === st) return;
  const image = s.Spec.TaskTemplate.ContainerSpec?.Image;
  sim.trace.add(`${s.Spec.Name} spec v${v} ${image ?? ''} update ${st ?? '-'}`);
}
