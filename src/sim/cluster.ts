/**
 * A simulated Raft cluster: N members running the real driver (RaftNode) and core over
 * the simulated network, each with a memory disk whose writes take virtual time, a clock
 * of its own rate, and a key-value state machine. Members crash (losing what the disk had
 * not made durable, sometimes keeping a torn prefix of the last write) and restart.
 */
import type { Rng } from '../base/rng.ts';
import { SeededRng } from '../base/rng.ts';
import { bootstrapEntries } from '../raft/core/bootstrap.ts';
import type { Entry, NodeId } from '../raft/core/types.ts';
import { KvStateMachine } from '../raft/kv.ts';
import { RaftNode } from '../raft/node.ts';
import { MemoryStorage } from '../raft/storage/memory.ts';
import { type NetworkFaults, SimNetwork } from './network.ts';
import { NodeClock, type VirtualTime } from './time.ts';
import type { Trace } from './trace.ts';

export interface SimMember {
  id: NodeId;
  clock: NodeClock;
  storage: MemoryStorage;
  sm: KvStateMachine;
  node: RaftNode | undefined;
  restarts: number;
  incarnation: number;
}

export interface ClusterOptions {
  size: number;
  faults: NetworkFaults;
  /** Disk write latency range (ms). */
  diskMs: [number, number];
  /** Clock rate spread: each member runs at 1 ± drift. */
  drift: number;
  snapshotInterval: number;
  keepEntries: number;
}

export interface ClusterHooks {
  onApply(m: SimMember, e: Entry): void;
  onLeader(m: SimMember, term: number): void;
}

export class SimCluster {
  readonly rng: Rng;
  readonly net: SimNetwork;
  readonly members: SimMember[] = [];

  constructor(
    readonly vt: VirtualTime,
    seed: number,
    readonly opts: ClusterOptions,
    private readonly trace: Trace,
    private readonly hooks: ClusterHooks,
  ) {
    this.rng = new SeededRng(seed);
    this.net = new SimNetwork(this.vt, this.rng.fork(), opts.faults);
    const ids = Array.from({ length: opts.size }, (_, i) => `n${i + 1}`);
    const boot = bootstrapEntries(ids.map((id) => ({ id })));
    for (const id of ids) {
      const rate = 1 + (this.rng.next() * 2 - 1) * opts.drift;
      const storage = this.newStorage();
      // The founding log is written before the simulation starts.
      const m: SimMember = {
        id,
        clock: new NodeClock(this.vt, rate),
        storage,
        sm: new KvStateMachine(),
        node: undefined,
        restarts: 0,
        incarnation: 0,
      };
      this.members.push(m);
      void storage.save(boot.hardState, boot.entries);
    }
  }

  private newStorage(image?: ReturnType<MemoryStorage['crashImage']>): MemoryStorage {
    const diskRng = this.rng.fork();
    const [lo, hi] = this.opts.diskMs;
    const disk = (complete: () => void): void => {
      this.vt.after(lo + diskRng.next() * (hi - lo), complete);
    };
    return image ? MemoryStorage.restore(image, { disk }) : new MemoryStorage({ disk });
  }

  start(m: SimMember): void {
    m.sm = new KvStateMachine();
    const node = new RaftNode({
      id: m.id,
      storage: m.storage,
      transport: this.net.transport(m.id),
      stateMachine: m.sm,
      clock: m.clock,
      rng: this.rng.fork(),
      tickMs: 100,
      snapshotInterval: this.opts.snapshotInterval,
      keepEntries: this.opts.keepEntries,
      requestTimeoutMs: 3_000,
      onApply: (e) => this.hooks.onApply(m, e),
      onStateChange: (s) => {
        this.trace.add(
          `${m.id} is ${s.state}${s.lead ? ` (leader ${s.lead})` : ''} term ${node.core.raft.term}`,
        );
        if (s.state === 'leader') this.hooks.onLeader(m, node.core.raft.term);
      },
    });
    m.node = node;
    void node.start();
  }

  /** Crashes a member: the process is gone, the disk keeps what was durable (maybe torn). */
  crash(m: SimMember): void {
    if (!m.node) return;
    m.node.halt();
    m.node = undefined;
    const torn = this.rng.chance(0.3) ? this.rng.int(1, 4) : 0;
    m.storage = this.newStorage(m.storage.crashImage(torn));
    this.trace.add(`${m.id} crashed${torn ? ` (torn write kept ${torn} entries)` : ''}`);
  }

  /**
   * Stops a member and gives it a blank disk and a new member id: like a manager that is
   * demoted and promoted again, it comes back as a new Raft member (a reused id would let
   * stale messages meant for its old self confuse it).
   */
  wipe(m: SimMember): void {
    m.node?.halt();
    m.node = undefined;
    m.storage = this.newStorage();
    const old = m.id;
    m.incarnation++;
    m.id = `${old.split('.')[0]}.${m.incarnation}`;
    this.trace.add(`${old} wiped; it returns as ${m.id}`);
  }

  restart(m: SimMember): void {
    if (m.node) return;
    m.restarts++;
    this.trace.add(`${m.id} restarts`);
    this.start(m);
  }

  live(): SimMember[] {
    return this.members.filter((m) => m.node !== undefined);
  }

  leader(): SimMember | undefined {
    let best: SimMember | undefined;
    for (const m of this.live()) {
      if (!m.node?.isLeader) continue;
      if (!best || (m.node.core.raft.term ?? 0) > (best.node?.core.raft.term ?? 0)) best = m;
    }
    return best;
  }

  byId(id: NodeId): SimMember | undefined {
    return this.members.find((m) => m.id === id);
  }
}
