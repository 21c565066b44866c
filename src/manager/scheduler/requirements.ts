/**
 * What a task asks of a node, read once from its spec: the prepared form the filters check
 * (parsed constraints, reservations, host ports, platforms, max replicas, plugins, spread
 * descriptors), the group key that lets one preparation serve every task of a service that
 * shares the same asks, and the load a task puts on the node it lands on.
 */
import type { GenericResource, Platform, Task } from '../../api/index.ts';
import { TASK_STATES } from '../../api/index.ts';
import {
  type Constraint,
  parseConstraints,
  parseSpreadDescriptor,
  type SpreadTarget,
} from '../../api/validate/constraint.ts';
import { genericAsk } from './resources.ts';

/** A `spread` placement preference over `node.labels.X` or `engine.labels.X`. */
export type SpreadDescriptor = Exclude<SpreadTarget, { kind: 'unsupported' }>;

export interface Requirements {
  readonly serviceId: string;
  readonly nanoCPUs: number;
  readonly memoryBytes: number;
  /** Generic resources: kind -> count. */
  readonly genericAsk: ReadonlyMap<string, number>;
  /** Empty: the constraint filter is off (also when unparsable: controlapi validates them). */
  readonly constraints: readonly Constraint[];
  readonly platforms: readonly Platform[];
  /** Host-mode published ports as `tcp/8080`. */
  readonly hostPorts: readonly string[];
  /** 0: unlimited. */
  readonly maxReplicas: number;
  /** Outermost first; descriptors other than node/engine labels are ignored, as swarmkit does. */
  readonly spread: readonly SpreadDescriptor[];
  /** Volume drivers the task's mounts need (not `local`). */
  readonly volumeDrivers: readonly string[];
  readonly logDriver: string | undefined;
}

/** The load a task puts on its node while it holds it. */
export interface TaskLoad {
  readonly taskId: string;
  readonly serviceId: string;
  /** Counts for spread and max replicas: its desired state is at most running. */
  readonly active: boolean;
  readonly nanoCPUs: number;
  readonly memoryBytes: number;
  readonly genericAsk: ReadonlyMap<string, number>;
  /** What it already holds, when known (a task read back from the store). */
  readonly genericHeld?: readonly GenericResource[];
  readonly hostPorts: readonly string[];
}

export function hostPortsOf(task: Task): string[] {
  const out: string[] = [];
  for (const p of task.Endpoint?.Ports ?? []) {
    if (p.PublishMode === 'host' && p.PublishedPort) out.push(`${p.Protocol ?? 'tcp'}/${p.PublishedPort}`);
  }
  return out;
}

function spreadOf(task: Task): SpreadDescriptor[] {
  const out: SpreadDescriptor[] = [];
  for (const pref of task.Spec.Placement?.Preferences ?? []) {
    const target = parseSpreadDescriptor(pref.Spread?.SpreadDescriptor ?? '');
    if (target.kind !== 'unsupported') out.push(target);
  }
  return out;
}

function volumeDriversOf(task: Task): string[] {
  const out: string[] = [];
  for (const m of task.Spec.ContainerSpec?.Mounts ?? []) {
    const name = m.Type === 'volume' ? m.VolumeOptions?.DriverConfig?.Name : undefined;
    if (name && name !== 'local') out.push(name);
  }
  return out;
}

export function requirementsOf(task: Task): Requirements {
  const p = task.Spec.Placement;
  const r = task.Spec.Resources?.Reservations;
  const parsed = parseConstraints(p?.Constraints ?? []);
  return {
    serviceId: task.ServiceID,
    nanoCPUs: r?.NanoCPUs ?? 0,
    memoryBytes: r?.MemoryBytes ?? 0,
    genericAsk: genericAsk(r?.GenericResources),
    constraints: parsed.ok ? parsed.constraints : [],
    platforms: p?.Platforms ?? [],
    hostPorts: hostPortsOf(task),
    maxReplicas: p?.MaxReplicas ?? 0,
    spread: spreadOf(task),
    volumeDrivers: volumeDriversOf(task),
    logDriver: task.Spec.LogDriver?.Name || undefined,
  };
}

/** The load of `task`; `req` (its group's requirements) saves reading the spec again. */
export function loadOf(task: Task, req?: Requirements): TaskLoad {
  const r = task.Spec.Resources?.Reservations;
  const load: TaskLoad = {
    taskId: task.ID,
    serviceId: task.ServiceID,
    active: TASK_STATES[task.DesiredState] <= TASK_STATES.running,
    nanoCPUs: req ? req.nanoCPUs : (r?.NanoCPUs ?? 0),
    memoryBytes: req ? req.memoryBytes : (r?.MemoryBytes ?? 0),
    genericAsk: req ? req.genericAsk : genericAsk(r?.GenericResources),
    hostPorts: req ? req.hostPorts : hostPortsOf(task),
  };
  const held = task.AssignedGenericResources;
  return held && held.length > 0 ? { ...load, genericHeld: held } : load;
}

const SEP = '\u0001';

/**
 * Tasks with equal keys ask exactly the same of a node, so one preparation and one pass
 * over the nodes serve them all (swarmkit groups by service and spec version the same way).
 */
export function groupKey(task: Task): string {
  const p = task.Spec.Placement;
  const r = task.Spec.Resources?.Reservations;
  let key = task.ServiceID;
  if (p) {
    key += `${SEP}c${(p.Constraints ?? []).join(SEP)}${SEP}m${p.MaxReplicas ?? 0}`;
    for (const pref of p.Preferences ?? []) key += `${SEP}s${pref.Spread?.SpreadDescriptor ?? ''}`;
    for (const pl of p.Platforms ?? []) key += `${SEP}p${pl.OS ?? ''}/${pl.Architecture ?? ''}`;
  }
  if (r) {
    key += `${SEP}r${r.NanoCPUs ?? 0}/${r.MemoryBytes ?? 0}`;
    for (const g of r.GenericResources ?? []) {
      const d = g.DiscreteResourceSpec;
      if (d) key += `${SEP}g${d.Kind}=${d.Value}`;
    }
  }
  for (const port of task.Endpoint?.Ports ?? []) {
    if (port.PublishMode === 'host' && port.PublishedPort)
      key += `${SEP}h${port.Protocol}/${port.PublishedPort}`;
  }
  for (const m of task.Spec.ContainerSpec?.Mounts ?? []) {
    if (m.Type === 'volume' && m.VolumeOptions?.DriverConfig?.Name)
      key += `${SEP}v${m.VolumeOptions.DriverConfig.Name}`;
  }
  if (task.Spec.LogDriver?.Name) key += `${SEP}l${task.Spec.LogDriver.Name}`;
  return key;
}
