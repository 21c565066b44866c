/**
 * A whole swarm in one process on virtual time: managers (Raft, store, control API,
 * orchestrators, allocator, scheduler, dispatcher) and workers (agents with fake
 * executors), the real code of each, over simulated networks (Raft messages on
 * SimNetwork, agent sessions on MemoryNetwork). Machines crash, restart and are cut off;
 * the operator drives it through the leader's control API, as `docker` would.
 */
import { SeededRng } from '../../base/rng.ts';
import { FakeRegistry } from '../../executor/fake/registry.ts';
import type { ControlApi } from '../../manager/controlapi/index.ts';
import { MemoryNetwork } from '../../manager/dispatcher/index.ts';
import { NotLeaderError } from '../../raft/errors.ts';
import { SimNetwork } from '../network.ts';
import { NodeClock, VirtualTime } from '../time.ts';
import { Trace } from '../trace.ts';
import { Machine, type MachineEnv } from './machine.ts';

export interface SwarmOptions {
  managers: number;
  workers: number;
  /** Clock drift per machine: rate 1 ± drift. */
  drift?: number;
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export class SwarmSim {
  readonly vt = new VirtualTime();
  readonly rng: SeededRng;
  readonly trace: Trace;
  readonly raftNet: SimNetwork;
  readonly sessionNet: MemoryNetwork;
  readonly registry = new FakeRegistry();
  readonly machines: Machine[] = [];
  private readonly env: MachineEnv;

  constructor(
    readonly seed: number,
    readonly opts: SwarmOptions,
  ) {
    this.rng = new SeededRng(seed);
    this.trace = new Trace(() => this.vt.now, 600);
    this.raftNet = new SimNetwork(this.vt, this.rng.fork(), {
      dropRate: 0,
      dupRate: 0,
      minDelayMs: 0.2,
      maxDelayMs: 3,
    });
    this.sessionNet = new MemoryNetwork({
      clock: new NodeClock(this.vt, 1),
      rng: this.rng.fork(),
      latencyMs: { min: 0.2, max: 3 },
    });
    this.env = {
      vt: this.vt,
      raftNet: this.raftNet,
      sessionNet: this.sessionNet,
      registry: this.registry,
      trace: this.trace,
      joinAddrs: () => this.machines.filter((m) => m.manager || m.raftId).map((m) => m.addr),
      leader: () => this.leaderMachine(),
    };
    const drift = opts.drift ?? 0.02;
    const n = opts.managers + opts.workers;
    for (let i = 0; i < n; i++) {
      const id = `node${String(i + 1).padStart(2, '0')}`;
      const rate = 1 + (this.rng.next() * 2 - 1) * drift;
      this.machines.push(
        new Machine(
          id,
          `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:2377`,
          new NodeClock(this.vt, rate),
          this.rng.fork(),
          this.env,
        ),
      );
    }
  }

  /** `swarm init` on the first machine, then every other machine joins (managers first). */
  async init(): Promise<void> {
    const [first, ...rest] = this.machines as [Machine, ...Machine[]];
    await this.await(first.bootstrap());
    await this.await(first.start());
    await this.until(() => this.leaderMachine() !== undefined, 10_000, 'first leader');
    for (const m of rest.slice(0, this.opts.managers - 1)) {
      const leader = this.leaderMachine();
      if (!leader?.manager) throw new Error('no leader to join');
      await this.await(leader.manager.control.listNodes({}).then(() => undefined));
      await this.promoteOnJoin(m);
    }
    for (const m of rest.slice(this.opts.managers - 1)) await this.await(m.start());
    await this.until(
      () => this.nodesReady() === this.machines.length && this.managerCount() === this.opts.managers,
      60_000,
      'all nodes ready',
    );
  }

  /** A machine that joins with a manager token: its node is a manager before it connects. */
  private async promoteOnJoin(m: Machine): Promise<void> {
    await this.await(m.start());
    await this.until(() => this.node(m)?.Status.State === 'ready', 10_000, `${m.nodeId} ready`);
    await this.control((c) => this.updateNode(c, m.nodeId, { Role: 'manager' }));
  }

  async updateNode(
    c: ControlApi,
    nodeId: string,
    spec: Partial<{
      Role: 'manager' | 'worker';
      Availability: 'active' | 'pause' | 'drain';
      Labels: Record<string, string>;
    }>,
  ): Promise<void> {
    const n = await c.getNode(nodeId);
    await c.updateNode(nodeId, n.Version.Index, { ...n.Spec, ...spec });
  }

  leaderMachine(): Machine | undefined {
    let best: Machine | undefined;
    for (const m of this.machines) {
      if (!m.up || !m.manager?.isLeader) continue;
      if (!best || m.manager.raft.core.raft.term > (best.manager?.raft.core.raft.term ?? 0)) best = m;
    }
    return best;
  }

  managerCount(): number {
    const l = this.leaderMachine();
    return l?.manager ? l.manager.raft.status().conf.voters.length : 0;
  }

  /** The leader's view of a node. */
  node(m: Machine) {
    return this.leaderMachine()?.manager?.store.view((tx) => tx.nodes.get(m.nodeId));
  }

  nodesReady(): number {
    const s = this.leaderMachine()?.manager?.store;
    return s ? s.view((tx) => tx.nodes.all().filter((n) => n.Status.State === 'ready').length) : 0;
  }

  /** Runs `fn` against the leader's control API, following leadership changes. */
  async control<T>(fn: (c: ControlApi) => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const deadline = this.vt.now + timeoutMs;
    let last: unknown;
    while (this.vt.now < deadline) {
      const l = this.leaderMachine();
      if (l?.manager) {
        try {
          return await this.await(fn(l.manager.control), 10_000);
        } catch (e) {
          last = e;
          if (!(e instanceof NotLeaderError) && (e as { code?: string }).code !== 'timeout') throw e;
        }
      }
      await this.run(200);
    }
    throw new Error(
      `control call failed for ${timeoutMs} ms: ${(last as Error | undefined)?.message ?? 'no leader'}`,
    );
  }

  /** Advances virtual time by `ms`, running every event and letting promises settle. */
  async run(ms: number): Promise<void> {
    const end = this.vt.now + ms;
    for (;;) {
      const fn = this.vt.next(end);
      if (!fn) break;
      fn();
      await settle();
    }
    this.vt.now = end;
  }

  /** Runs until `cond` holds (checked every 50 ms of virtual time) or throws after `ms`. */
  async until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = this.vt.now + ms;
    while (!cond()) {
      if (this.vt.now >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await this.run(50);
    }
  }

  /** Runs virtual time until `p` settles. */
  async await<T>(p: Promise<T>, ms = 30_000): Promise<T> {
    let done = false;
    const wrapped = p.finally(() => {
      done = true;
    });
    wrapped.catch(() => undefined);
    const deadline = this.vt.now + ms;
    while (!done && this.vt.now < deadline) await this.run(10);
    if (!done) throw new Error(`operation did not finish within ${ms} ms of virtual time`);
    return wrapped;
  }

  /** Cuts a machine off from everyone (Raft and sessions), or reconnects it. */
  isolate(m: Machine, on = true): void {
    this.trace.add(`${m.nodeId} ${on ? 'cut off' : 'reconnected'}`);
    this.sessionNet.blackhole(m.addr, on);
    if (on)
      this.raftNet.partition([
        [...(m.raftId ? [m.raftId] : [])],
        this.machines.flatMap((x) => (x !== m && x.raftId ? [x.raftId] : [])),
      ]);
    else this.raftNet.heal();
  }

  async stop(): Promise<void> {
    for (const m of this.machines) m.crash();
  }
}
