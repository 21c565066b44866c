/**
 * What a converged swarm must look like, checked against the executors' truth (the fake
 * containers actually running) and the leader's store.
 */
import { isGlobal, replicas, serviceMode } from '../../api/service.ts';
import type { SwarmSim } from './swarm.ts';

export interface Convergence {
  ok: boolean;
  problems: string[];
}

/** Running containers per service, and per (service, slot). */
export function runningContainers(
  sim: SwarmSim,
): Map<string, { byNode: Map<string, number>; bySlot: Map<number, number>; total: number }> {
  const store = sim.leaderMachine()?.manager?.store;
  const out = new Map<string, { byNode: Map<string, number>; bySlot: Map<number, number>; total: number }>();
  if (!store) return out;
  store.view((tx) => {
    for (const c of sim.registry.values()) {
      if (c.state !== 'running') continue;
      const t = tx.tasks.get(c.taskId);
      if (!t) continue;
      let e = out.get(t.ServiceID);
      if (!e) {
        e = { byNode: new Map(), bySlot: new Map(), total: 0 };
        out.set(t.ServiceID, e);
      }
      e.total++;
      e.byNode.set(c.node, (e.byNode.get(c.node) ?? 0) + 1);
      if (t.Slot) e.bySlot.set(t.Slot, (e.bySlot.get(t.Slot) ?? 0) + 1);
    }
  });
  return out;
}

/**
 * The swarm has converged: every replicated service runs exactly its replicas (one
 * container per slot), every global service one per eligible node, nothing runs on a
 * drained or down node, and the store agrees with the containers.
 */
export function converged(sim: SwarmSim): Convergence {
  const problems: string[] = [];
  const store = sim.leaderMachine()?.manager?.store;
  if (!store) return { ok: false, problems: ['no leader'] };
  const running = runningContainers(sim);
  store.view((tx) => {
    const nodes = tx.nodes.all();
    const eligible = nodes.filter((n) => n.Status.State === 'ready' && n.Spec.Availability === 'active');
    const bad = new Set(
      nodes.filter((n) => n.Status.State !== 'ready' || n.Spec.Availability === 'drain').map((n) => n.ID),
    );
    for (const s of tx.services.all()) {
      const r = running.get(s.ID);
      const mode = serviceMode(s.Spec);
      if (mode === 'replicated') {
        const want = replicas(s.Spec);
        if ((r?.total ?? 0) !== want) problems.push(`${s.Spec.Name}: ${r?.total ?? 0} running, want ${want}`);
        for (const [slot, n] of r?.bySlot ?? [])
          if (n > 1) problems.push(`${s.Spec.Name}: slot ${slot} has ${n} running`);
        const storeRunning = tx.tasks
          .byService(s.ID)
          .filter((t) => t.Status.State === 'running' && t.DesiredState === 'running').length;
        if (storeRunning !== want)
          problems.push(`${s.Spec.Name}: the store shows ${storeRunning} running, want ${want}`);
      } else if (isGlobal(s.Spec) && mode === 'global') {
        for (const n of eligible) {
          const count = r?.byNode.get(n.ID) ?? 0;
          if (count !== 1) problems.push(`${s.Spec.Name}: ${count} running on ${n.ID}, want 1`);
        }
      }
      for (const [node, n] of r?.byNode ?? [])
        if (bad.has(node) && n > 0)
          problems.push(`${s.Spec.Name}: ${n} running on ${node}, which is drained or not ready`);
    }
  });
  return { ok: problems.length === 0, problems };
}

/** The tasks of slots that run more than once, for a failure report. */
export function describeCrowdedSlots(sim: SwarmSim): string[] {
  const store = sim.leaderMachine()?.manager?.store;
  if (!store) return [];
  const out: string[] = [];
  for (const [serviceId, r] of runningContainers(sim)) {
    for (const [slot, n] of r.bySlot) {
      if (n < 2) continue;
      store.view((tx) => {
        for (const t of tx.tasks.bySlot(serviceId, slot)) {
          out.push(
            `  slot ${slot} task ${t.ID} on ${t.NodeID ?? '-'}: ${t.Status.State} (desired ${t.DesiredState}) spec v${t.SpecVersion?.Index} image ${t.Spec.ContainerSpec?.Image} created ${t.CreatedAt} status "${t.Status.Message ?? ''}" ${t.Status.Err ?? ''}`,
          );
        }
      });
    }
  }
  return out;
}
