/**
 * Test fixtures for the session (tests only): a harness of managers sharing one store on
 * virtual time, connected by a MemoryNetwork, and RawAgent, a scripted agent that sends
 * exactly what a test says (the real agent is src/agent; its tests use this harness too).
 */
import type { NodeDescription, NodeState } from '../../api/node.ts';
import type { Task, TaskStatus } from '../../api/task.ts';
import type { TaskState } from '../../api/task-state.ts';
import type { Timer } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { SeededRng } from '../../base/rng.ts';
import { runUntil, trackTimers } from '../../executor/testing.ts';
import { NodeClock, VirtualTime } from '../../sim/time.ts';
import { MemoryStore } from '../../store/index.ts';
import { newNode, newTask } from '../../store/testing.ts';
import type { NewObject } from '../../store/types.ts';
import { StaticDirectory } from './directory.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import type { AgentLink, DialResult, LinkPeer } from './link.ts';
import { MemoryNetwork, type MemoryNetworkOptions } from './memlink.ts';
import type { DispatcherMessage, ManagerPeer, TaskStatusUpdate } from './protocol.ts';

export interface HarnessOptions {
  managers?: number;
  latencyMs?: MemoryNetworkOptions['latencyMs'];
  codec?: MemoryNetworkOptions['codec'];
  freeze?: boolean;
  dispatcher?: Partial<DispatcherOptions>;
  logger?: Logger;
}

export type Harness = ReturnType<typeof harness>;

/** Managers m1..mN (m1 the leader, its dispatcher started) over one shared store. */
export function harness(opts: HarnessOptions = {}) {
  const vt = new VirtualTime();
  const clock = trackTimers(new NodeClock(vt, 1));
  const store = MemoryStore.local({ clock, freeze: opts.freeze ?? true });
  const net = new MemoryNetwork({
    clock,
    rng: new SeededRng(7),
    latencyMs: opts.latencyMs ?? 1,
    codec: opts.codec ?? 'json',
  });
  const peers: ManagerPeer[] = [];
  for (let i = 1; i <= (opts.managers ?? 1); i++) peers.push({ nodeId: `m${i}`, addr: `m${i}:2377` });
  const directory = new StaticDirectory(peers, 'm1');
  const dispatchers = new Map<string, Dispatcher>();
  const listeners = new Map<string, { close(): void }>();
  const listen = (p: ManagerPeer, i: number): Dispatcher => {
    const d = new Dispatcher({
      store,
      clock,
      rng: new SeededRng(100 + i),
      self: p,
      directory,
      logger: opts.logger ?? nullLogger,
      ...opts.dispatcher,
    });
    dispatchers.set(p.nodeId, d);
    listeners.set(p.nodeId, net.listen(p.addr, d));
    return d;
  };
  peers.forEach(listen);
  dispatchers.get('m1')?.start();
  return {
    vt,
    clock,
    store,
    net,
    directory,
    peers,
    dispatchers,
    dispatcher: (id = 'm1'): Dispatcher => dispatchers.get(id) as Dispatcher,
    run: (cond: () => boolean, ms = 60_000): Promise<boolean> => runUntil(vt, cond, ms),
    /** Lets `ms` of virtual time pass. */
    advance: (ms: number): Promise<boolean> => runUntil(vt, () => false, ms),
    nodeState: (id: string): NodeState | undefined => store.view((tx) => tx.nodes.get(id)?.Status.State),
    taskState: (id: string): TaskState | undefined => store.view((tx) => tx.tasks.get(id)?.Status.State),
    /** The manager is gone: its dispatcher stops, its links break, dials are refused. */
    crash(id: string): void {
      dispatchers.get(id)?.dispose();
      listeners.get(id)?.close();
    },
    /** Leadership moves to `id` (the old leader learns who): its dispatcher stops, the new one starts. */
    elect(id: string): void {
      directory.setLeader(id);
      for (const [mid, d] of dispatchers) if (mid !== id) d.stop();
      dispatchers.get(id)?.start();
    },
    /** Dials while running virtual time (a dial takes some). */
    async dial(from: LinkPeer, addr: string): Promise<DialResult> {
      let r: DialResult | undefined;
      void net
        .dialer(from)
        .dial(addr)
        .then((x) => {
          r = x;
        });
      await runUntil(vt, () => r !== undefined, 10_000);
      if (!r) throw new Error(`dial ${addr}: no answer`);
      return r;
    },
    restart(p: ManagerPeer, i: number): Dispatcher {
      return listen(p, i);
    },
  };
}

export function description(hostname: string): NodeDescription {
  return {
    Hostname: hostname,
    Platform: { OS: 'linux', Architecture: 'x86_64' },
    Resources: { NanoCPUs: 2e9, MemoryBytes: 2 ** 31 },
    Engine: { EngineVersion: 'test' },
  };
}

/** A task already ASSIGNED to `nodeId` (as the scheduler leaves it). */
export function assignedTask(
  id: string,
  nodeId: string,
  over: Partial<NewObject<Task>> = {},
): NewObject<Task> {
  return newTask(id, 'svc1', {
    NodeID: nodeId,
    Slot: 1,
    Status: {
      Timestamp: '2025-01-01T00:00:00.000Z',
      State: 'assigned',
      Message: 'scheduler assigned task to node',
    },
    ...over,
  });
}

export { newNode };

let statusClock = 0;
/** A status report as an agent makes it (a fresh timestamp each time). */
export function status(state: TaskState, extra: Partial<TaskStatus> = {}): TaskStatus {
  statusClock++;
  return { Timestamp: new Date(Date.UTC(2025, 0, 2) + statusClock).toISOString(), State: state, ...extra };
}

/** A scripted agent: sends what the test says, records what it receives. */
export class RawAgent {
  readonly messages: DispatcherMessage[] = [];
  link: AgentLink | undefined;
  closedReason: string | undefined;
  private beat: Timer | undefined;

  constructor(
    private readonly h: Harness,
    readonly nodeId: string,
    readonly addr = `10.0.0.${nodeId.replace(/\D/g, '') || '1'}`,
  ) {}

  async connect(manager = 'm1:2377'): Promise<boolean> {
    this.closedReason = undefined;
    const r = await this.h.dial({ addr: this.addr }, manager);
    if (!r.ok) return false;
    this.link = r.link;
    r.link.attach({
      onMessage: (m) => {
        this.messages.push(m);
        if (m.kind === 'heartbeat' && this.beat) this.scheduleBeat(m.periodMs);
      },
      onClose: (reason) => {
        this.closedReason = reason;
        this.stopBeating();
      },
    });
    return true;
  }

  open(sessionId?: string): void {
    const m = { kind: 'open', nodeId: this.nodeId, description: description(`host-${this.nodeId}`) } as const;
    this.link?.send(sessionId ? { ...m, sessionId } : m);
  }

  /** Connects, opens and waits for the answer; true when accepted. */
  async join(manager = 'm1:2377', sessionId?: string): Promise<boolean> {
    const before = this.messages.length;
    if (!(await this.connect(manager))) return false;
    this.open(sessionId);
    await this.h.run(() => this.messages.length > before, 10_000);
    if (this.messages[before]?.kind !== 'accepted') return false;
    await this.h.run(() => this.messages.length > before + 1, 10_000); // the COMPLETE set
    return true;
  }

  get sessionId(): string {
    const a = this.last('accepted');
    if (!a) throw new Error(`${this.nodeId}: no session`);
    return a.sessionId;
  }

  last<K extends DispatcherMessage['kind']>(kind: K): Extract<DispatcherMessage, { kind: K }> | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m?.kind === kind) return m as Extract<DispatcherMessage, { kind: K }>;
    }
    return undefined;
  }

  all<K extends DispatcherMessage['kind']>(kind: K): Array<Extract<DispatcherMessage, { kind: K }>> {
    return this.messages.filter((m) => m.kind === kind) as Array<Extract<DispatcherMessage, { kind: K }>>;
  }

  heartbeat(): void {
    this.link?.send({ kind: 'heartbeat', sessionId: this.sessionId });
  }

  /** Heartbeats by itself, at the period each answer gives, until stopBeating(). */
  startBeating(): void {
    this.scheduleBeat(this.last('accepted')?.heartbeatPeriodMs ?? 5_000);
  }

  stopBeating(): void {
    this.beat?.cancel();
    this.beat = undefined;
  }

  report(...updates: TaskStatusUpdate[]): void {
    this.link?.send({ kind: 'status', sessionId: this.sessionId, updates });
  }

  close(): void {
    this.stopBeating();
    this.link?.send({ kind: 'close', sessionId: this.sessionId });
    this.link?.close();
  }

  private scheduleBeat(ms: number): void {
    this.beat?.cancel();
    this.beat = this.h.clock.setTimeout(() => this.heartbeat(), ms);
  }
}
