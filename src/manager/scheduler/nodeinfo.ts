/**
 * NodeInfo: one node as the scheduler sees it: the node object, the tasks it holds (every
 * assigned, non-terminal task, including ones being shut down: their resources and host
 * ports are not free until they stop), how many of them are active (desired state at most
 * running) per service and in total (the spread keys), the resources still available, the
 * host-mode ports in use, and the node's value for each spread descriptor (cached).
 * Every change is O(1) in the number of nodes; a node update is O(its tasks).
 */
import type { GenericResource, Node } from '../../api/index.ts';
import { labelValue } from '../../api/validate/constraint.ts';
import type { SpreadDescriptor, TaskLoad } from './requirements.ts';
import { type Available, capacityOf, claim, claimExact, release } from './resources.ts';

interface Held {
  readonly load: TaskLoad;
  readonly generic: readonly GenericResource[];
}

function sameFootprint(a: TaskLoad, b: TaskLoad): boolean {
  if (a.serviceId !== b.serviceId || a.nanoCPUs !== b.nanoCPUs || a.memoryBytes !== b.memoryBytes)
    return false;
  if (a.hostPorts.length !== b.hostPorts.length || a.hostPorts.some((p, i) => p !== b.hostPorts[i]))
    return false;
  if (a.genericAsk.size !== b.genericAsk.size) return false;
  for (const [k, v] of a.genericAsk) if (b.genericAsk.get(k) !== v) return false;
  return true;
}

export class NodeInfo {
  private readonly held = new Map<string, Held>();
  private readonly byService = new Map<string, number>();
  private readonly ports = new Map<string, number>();
  private readonly spreadCache = new Map<string, string>();
  private capacity: Available;
  private active = 0;
  /** What is left for new tasks (may go negative if the node shrank under its tasks). */
  available: Available;
  /** Position in the deterministic tie-break order (by node id), kept by ClusterState. */
  order = 0;

  constructor(private current: Node) {
    this.capacity = capacityOf(current);
    this.available = capacityOf(current);
  }

  get id(): string {
    return this.current.ID;
  }

  get node(): Node {
    return this.current;
  }

  /** Active tasks on the node. */
  get activeTasks(): number {
    return this.active;
  }

  /** Tasks held (active or on their way down). */
  get taskCount(): number {
    return this.held.size;
  }

  /** Active tasks of one service on the node. */
  tasksOf(serviceId: string): number {
    return this.byService.get(serviceId) ?? 0;
  }

  /** Active task counts by service id. */
  services(): ReadonlyMap<string, number> {
    return this.byService;
  }

  /** Generic resources a task holds here. */
  heldBy(taskId: string): readonly GenericResource[] | undefined {
    return this.held.get(taskId)?.generic;
  }

  hostPortInUse(port: string): boolean {
    return this.ports.has(port);
  }

  /** The node's value for a spread descriptor ("" when it has no such label). */
  spreadValue(d: SpreadDescriptor): string {
    const key = `${d.kind}:${d.label}`;
    let v = this.spreadCache.get(key);
    if (v === undefined) {
      const labels =
        d.kind === 'node-label' ? this.current.Spec.Labels : this.current.Description?.Engine?.Labels;
      v = labelValue(labels, d.label);
      this.spreadCache.set(key, v);
    }
    return v;
  }

  /** A new version of the node: capacity, labels and status may all have changed. */
  setNode(node: Node): void {
    this.current = node;
    this.spreadCache.clear();
    this.capacity = capacityOf(node);
    const available = capacityOf(node);
    for (const h of this.held.values()) {
      available.nanoCPUs -= h.load.nanoCPUs;
      available.memoryBytes -= h.load.memoryBytes;
      claimExact(available, h.generic);
    }
    this.available = available;
  }

  /**
   * Adds a task, or updates one already held. Returns the generic resources it holds.
   * An update that changes only the desired state keeps its claims and adjusts the counts.
   */
  addTask(load: TaskLoad): readonly GenericResource[] {
    const old = this.held.get(load.taskId);
    if (old !== undefined) {
      if (sameFootprint(old.load, load)) {
        if (old.load.active !== load.active) this.count(load.serviceId, load.active ? 1 : -1);
        this.held.set(load.taskId, { load, generic: old.generic });
        return old.generic;
      }
      this.removeTask(load.taskId);
    }
    const a = this.available;
    a.nanoCPUs -= load.nanoCPUs;
    a.memoryBytes -= load.memoryBytes;
    let generic: readonly GenericResource[] = [];
    if (load.genericHeld !== undefined) {
      claimExact(a, load.genericHeld);
      generic = load.genericHeld;
    } else if (load.genericAsk.size > 0) {
      generic = claim(a, load.genericAsk);
    }
    for (const p of load.hostPorts) this.ports.set(p, (this.ports.get(p) ?? 0) + 1);
    if (load.active) this.count(load.serviceId, 1);
    this.held.set(load.taskId, { load, generic });
    return generic;
  }

  /** Forgets a task, giving back what it held. False when it was not here. */
  removeTask(taskId: string): boolean {
    const h = this.held.get(taskId);
    if (h === undefined) return false;
    this.held.delete(taskId);
    const a = this.available;
    a.nanoCPUs += h.load.nanoCPUs;
    a.memoryBytes += h.load.memoryBytes;
    release(a, h.generic, this.capacity);
    for (const p of h.load.hostPorts) {
      const n = (this.ports.get(p) ?? 0) - 1;
      if (n > 0) this.ports.set(p, n);
      else this.ports.delete(p);
    }
    if (h.load.active) this.count(h.load.serviceId, -1);
    return true;
  }

  /** Every task load held here (used to move tasks when the node goes away). */
  loads(): IterableIterator<TaskLoad> {
    const it = this.held.values();
    return (function* () {
      for (const h of it) yield { ...h.load, genericHeld: h.generic };
    })();
  }

  private count(serviceId: string, delta: number): void {
    this.active += delta;
    const n = (this.byService.get(serviceId) ?? 0) + delta;
    if (n === 0) this.byService.delete(serviceId);
    else this.byService.set(serviceId, n);
  }
}
