/**
 * Test support for the orchestrators (tests only): a store on virtual time, fixtures, and
 * `FakeWorld`, which plays the allocator, the scheduler and the agents by writing the
 * fields they own (Status, NodeID), so a test can watch a service converge end to end
 * without any of those components. Every write goes through the real MemoryStore.
 */
import type { Node } from '../../api/node.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import type { TaskState } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import { type LogLine, memoryLogger } from '../../base/logger.ts';
import { SeededRng } from '../../base/rng.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import { LocalProposer, type Proposer } from '../../store/proposer.ts';
import { newNode, newService } from '../../store/testing.ts';
import type { NewObject, Stored } from '../../store/types.ts';
import type { OrchestratorDeps } from './loop.ts';
import { placementMatches, rank } from './task.ts';

const settleOnce = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Lets every promise and microtask chain run out (the local proposer is asynchronous). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await settleOnce();
}

/** Settles until the store stops changing (no write applied for a whole settle). */
export async function quiesce(store: MemoryStore, max = 200): Promise<void> {
  for (let i = 0; i < max; i++) {
    const before = store.index;
    await settle();
    if (store.index === before) return;
  }
  throw new Error('quiesce: the store never stopped changing');
}

/** A clock on virtual time that counts its live timers (tests fail on leaks). */
export class TestClock implements Clock {
  readonly vt = new VirtualTime();
  private readonly inner = new NodeClock(this.vt, 1);
  live = 0;
  /** A value that changes while the system is busy (the store's index): advance() waits it out. */
  progress: () => number = () => 0;

  now(): number {
    return this.inner.now();
  }
  wallNow(): number {
    return this.inner.wallNow();
  }
  setTimeout(fn: () => void, ms: number): Timer {
    this.live++;
    let alive = true;
    const t = this.inner.setTimeout(() => {
      if (alive) {
        alive = false;
        this.live--;
      }
      fn();
    }, ms);
    return {
      cancel: () => {
        if (alive) {
          alive = false;
          this.live--;
        }
        t.cancel();
      },
    };
  }
  setInterval(): Timer {
    throw new Error('TestClock: no intervals in orchestrator code');
  }

  /** Runs every timer due within `ms`; after each instant, lets the system come to rest. */
  async advance(ms: number): Promise<void> {
    const end = this.vt.now + ms;
    await this.rest();
    for (let fn = this.vt.next(end); fn; fn = this.vt.next(end)) {
      fn();
      for (let more = this.vt.next(this.vt.now); more; more = this.vt.next(this.vt.now)) more();
      await this.rest();
    }
    this.vt.now = end;
    await this.rest();
  }

  private async rest(): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const before = this.progress();
      await settle();
      if (this.progress() === before) return;
    }
    throw new Error('TestClock: the system never came to rest');
  }
}

/**
 * A proposer that holds back the entries `hold` picks (by their JSON text) until release();
 * the real local proposer otherwise. A held entry applies after those proposed meanwhile,
 * as when another writer's entry reaches the log first: tests use it to keep one
 * component's transaction in flight while another writes.
 */
export class GatedProposer implements Proposer {
  private readonly held: Array<() => void> = [];
  hold: (entry: string) => boolean = () => false;

  constructor(private readonly inner: Proposer) {}

  get waiting(): number {
    return this.held.length;
  }

  propose(payload: Uint8Array): Promise<unknown> {
    if (!this.hold(new TextDecoder().decode(payload))) return this.inner.propose(payload);
    return new Promise((resolve, reject) => {
      this.held.push(() => void this.inner.propose(payload).then(resolve, reject));
    });
  }

  release(): void {
    for (const go of this.held.splice(0)) go();
  }
}

export interface Harness extends OrchestratorDeps {
  store: MemoryStore;
  clock: TestClock;
  lines: LogLine[];
}

export function harness(seed = 1): Harness & { gate: GatedProposer } {
  const clock = new TestClock();
  const lines: LogLine[] = [];
  const store = new MemoryStore({ clock, freeze: true });
  const gate = new GatedProposer(new LocalProposer(store.stateMachine));
  store.setProposer(gate);
  clock.progress = () => store.index;
  return {
    store,
    gate,
    clock,
    rng: new SeededRng(seed),
    logger: memoryLogger(lines),
    lines,
  };
}

export function replicatedService(
  id: string,
  replicas: number,
  over: Partial<Service['Spec']> = {},
): NewObject<Service> {
  const base = newService(id, id);
  return {
    ...base,
    Spec: { ...base.Spec, Mode: { Replicated: { Replicas: replicas } }, ...over },
    SpecVersion: { Index: 1 },
  } as NewObject<Service>;
}

export function globalService(id: string, over: Partial<Service['Spec']> = {}): NewObject<Service> {
  const base = newService(id, id);
  return {
    ...base,
    Spec: { ...base.Spec, Mode: { Global: {} }, ...over },
    SpecVersion: { Index: 1 },
  } as NewObject<Service>;
}

export function workerNode(id: string, over: Partial<NewObject<Node>> = {}): NewObject<Node> {
  return newNode(id, `host-${id}`, over);
}

export async function addNodes(
  store: MemoryStore,
  ids: string[],
  over: Partial<NewObject<Node>> = {},
): Promise<void> {
  await store.batch((b) => {
    for (const id of ids) b.update((tx) => tx.nodes.create(workerNode(id, over)));
  });
}

/** Updates a service's spec as controlapi would: new spec, previous spec kept, version bumped. */
export async function updateSpec(
  store: MemoryStore,
  id: string,
  change: (spec: Service['Spec']) => Service['Spec'],
): Promise<void> {
  await store.update((tx) => {
    const s = tx.services.get(id);
    if (!s) throw new Error(`no service ${id}`);
    const spec = change(structuredClone(s.Spec) as Service['Spec']);
    tx.services.update(s, { Spec: spec, PreviousSpec: s.Spec, SpecVersion: { Index: s.Version.Index } });
  });
}

export async function setTaskState(
  store: MemoryStore,
  id: string,
  state: TaskState,
  err?: string,
): Promise<void> {
  await store.update((tx) => {
    const t = tx.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    tx.tasks.update(t, {
      Status: { ...t.Status, State: state, Timestamp: t.Status.Timestamp, ...(err && { Err: err }) },
    });
  });
}

/** Plays the scheduler and the agent: the task is on `node` and running. */
export async function runTask(store: MemoryStore, id: string, node = 'a'): Promise<void> {
  await store.update((tx) => {
    const t = tx.tasks.get(id);
    if (!t) throw new Error(`no task ${id}`);
    tx.tasks.update(t, { NodeID: node, Status: { ...t.Status, State: 'running' } });
  });
}

export function taskById(store: MemoryStore, id: string): Stored<Task> | undefined {
  return store.view((tx) => tx.tasks.get(id));
}

export function tasksOf(store: MemoryStore, serviceId: string): Stored<Task>[] {
  return store.view((tx) => tx.tasks.byService(serviceId));
}

/** The tasks of a service its orchestrator still wants (desired state at most RUNNING). */
export function wanted(store: MemoryStore, serviceId: string): Stored<Task>[] {
  return tasksOf(store, serviceId).filter((t) => rank(t.DesiredState) <= rank('running'));
}

export interface WorldOptions {
  /** A task about to start fails instead (exit 1) when this says so. */
  failOnStart?: (t: Stored<Task>) => boolean;
  /** Job tasks complete as soon as they run. */
  completeJobs?: boolean;
}

/**
 * The allocator, the scheduler and every agent, reduced to their writes: NEW -> PENDING,
 * PENDING -> ASSIGNED (the ready, active node meeting the constraints with the fewest
 * wanted tasks; global tasks keep theirs), ASSIGNED -> READY while desired READY, -> RUNNING when desired RUNNING
 * (or FAILED per `failOnStart`), RUNNING -> SHUTDOWN when desired past RUNNING. Tasks on
 * a node that is not ready make no progress. Reacts to store events, one batch at a time.
 */
export class FakeWorld {
  private unsubscribe: (() => void) | undefined;
  private busy: Promise<void> | undefined;
  private again = false;
  stopped = false;

  constructor(
    private readonly store: MemoryStore,
    readonly opts: WorldOptions = {},
  ) {}

  start(): void {
    this.unsubscribe = this.store.subscribe(() => this.kick(), { tables: ['tasks', 'nodes'] });
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.busy;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = (async () => {
      do {
        this.again = false;
        await settleOnce();
        await this.step();
      } while (this.again && !this.stopped);
      this.busy = undefined;
    })();
  }

  /** One pass over every task. */
  async step(): Promise<void> {
    await this.store.batch((b) => {
      const { tasks, nodes } = this.store.view((tx) => ({ tasks: tx.tasks.all(), nodes: tx.nodes.all() }));
      const ready = nodes.filter((n) => n.Status.State === 'ready').map((n) => n.ID);
      const eligible = nodes
        .filter((n) => n.Status.State === 'ready' && n.Spec.Availability === 'active')
        .sort((a, b) => (a.ID < b.ID ? -1 : 1));
      const load = new Map<string, number>();
      for (const t of tasks)
        if (t.NodeID && rank(t.DesiredState) <= rank('running'))
          load.set(t.NodeID, (load.get(t.NodeID) ?? 0) + 1);
      for (const t of [...tasks].sort((a, b) => (a.ID < b.ID ? -1 : 1))) {
        const next = this.next(t, ready, eligible, load);
        if (next)
          b.update((tx) => {
            const cur = tx.tasks.get(t.ID);
            if (cur) tx.tasks.update(cur, next);
          });
      }
    });
  }

  private next(
    t: Stored<Task>,
    ready: string[],
    eligible: Stored<Node>[],
    load: Map<string, number>,
  ): Partial<Stored<Task>> | undefined {
    const s = t.Status.State;
    const desired = rank(t.DesiredState);
    const status = (state: TaskState, extra: Partial<Task['Status']> = {}): Partial<Stored<Task>> => ({
      Status: { Timestamp: t.Status.Timestamp, State: state, ...extra },
    });
    if (s === 'new') return status('pending');
    if (s === 'pending') {
      if (desired > rank('complete')) return undefined;
      if (t.NodeID) return ready.includes(t.NodeID) ? status('assigned') : undefined;
      const node = eligible
        .filter((n) => placementMatches(t.Spec.Placement?.Constraints, n))
        .map((n) => n.ID)
        .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || (a < b ? -1 : 1))[0];
      if (!node) return undefined;
      load.set(node, (load.get(node) ?? 0) + 1);
      return { NodeID: node, ...status('assigned') };
    }
    if (!t.NodeID || !ready.includes(t.NodeID) || rank(s) > rank('running')) return undefined;
    if (desired > rank('complete')) return status('shutdown', { Message: 'shutdown' });
    if (s === 'running') return this.opts.completeJobs && t.JobIteration ? status('complete') : undefined;
    if (desired === rank('ready')) return s === 'ready' ? undefined : status('ready');
    if (this.opts.failOnStart?.(t)) return status('failed', { Err: 'task: non-zero exit (1)' });
    return status('running', { Message: 'started' });
  }
}
