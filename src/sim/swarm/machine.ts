/**
 * One simulated machine of a swarm: an agent with a fake executor (every node runs tasks),
 * and, while its node's role is manager, a Manager with its Raft member. It follows its
 * node object as the dispatcher reports it: promoted, it starts a manager role and asks
 * the leader to admit it; demoted (and removed from Raft), it stops the role and drops
 * its Raft data. A crash loses the processes and the containers; the Raft data survives
 * as far as it was durable.
 */

import { Agent } from '../../agent/agent.ts';
import type { DeepReadonly } from '../../api/meta.ts';
import type { Node } from '../../api/node.ts';
import type { LogFields, Logger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import { FakeExecutor } from '../../executor/fake/executor.ts';
import type { FakeRegistry } from '../../executor/fake/registry.ts';
import type { MemoryNetwork } from '../../manager/dispatcher/index.ts';
import { Manager } from '../../manager/manager.ts';
import { newRaftId } from '../../manager/role/raft-ids.ts';
import { bootstrapEntries } from '../../raft/core/bootstrap.ts';
import { MemoryStorage } from '../../raft/storage/memory.ts';
import type { SimNetwork } from '../network.ts';
import type { NodeClock, VirtualTime } from '../time.ts';
import type { Trace } from '../trace.ts';

export interface MachineEnv {
  vt: VirtualTime;
  raftNet: SimNetwork;
  sessionNet: MemoryNetwork;
  registry: FakeRegistry;
  trace: Trace;
  /** The manager machines' addresses an agent starts from (its join addresses). */
  joinAddrs(): string[];
  /** The machine whose manager leads, if any. */
  leader(): Machine | undefined;
}

const enc = new TextEncoder();

export class Machine {
  agent: Agent | undefined;
  executor: FakeExecutor | undefined;
  manager: Manager | undefined;
  raftId: string | undefined;
  /** Raft data: kept across crashes (what was durable), dropped on demotion. */
  raftStorage: MemoryStorage | undefined;
  up = false;
  private joining = false;
  private incarnation = 0;

  constructor(
    readonly nodeId: string,
    readonly addr: string,
    readonly clock: NodeClock,
    private readonly rng: Rng,
    private readonly env: MachineEnv,
  ) {}

  /** The first manager of a new swarm: a Raft cluster of one. */
  async bootstrap(): Promise<void> {
    this.raftId = newRaftId(this.nodeId, this.rng);
    this.raftStorage = this.newStorage();
    const boot = bootstrapEntries([{ id: this.raftId, context: enc.encode(this.addr) }]);
    await this.raftStorage.save(boot.hardState, boot.entries);
  }

  async start(): Promise<void> {
    this.up = true;
    this.incarnation++;
    if (this.raftStorage && this.raftId) await this.startManager();
    this.executor = new FakeExecutor({
      clock: this.clock,
      rng: this.rng.fork(),
      hostname: this.nodeId,
      registry: this.env.registry,
    });
    const incarnation = this.incarnation;
    this.agent = new Agent({
      nodeId: this.nodeId,
      executor: this.executor,
      dialer: this.env.sessionNet.dialer({ addr: this.addr, nodeId: this.nodeId }),
      managers: this.env.joinAddrs(),
      clock: this.clock,
      rng: this.rng.fork(),
      onNode: (n) => {
        if (this.incarnation === incarnation) this.followRole(n);
      },
    });
    await this.agent.start();
  }

  /** The machine dies: processes and containers gone, durable Raft data kept. */
  crash(): void {
    if (!this.up) return;
    this.up = false;
    this.env.trace.add(`${this.nodeId} crashed`);
    this.env.sessionNet.crash(this.addr);
    this.manager?.halt();
    this.manager = undefined;
    if (this.raftStorage)
      this.raftStorage = MemoryStorage.restore(this.raftStorage.crashImage(), this.diskOpts());
    void this.agent?.stop();
    this.agent = undefined;
    void this.executor?.dispose();
    this.executor = undefined;
  }

  async restart(): Promise<void> {
    if (this.up) return;
    this.env.trace.add(`${this.nodeId} restarts`);
    await this.start();
  }

  private async startManager(): Promise<void> {
    const m = new Manager({
      nodeId: this.nodeId,
      raftId: this.raftId as string,
      address: this.addr,
      storage: this.raftStorage as MemoryStorage,
      transport: this.env.raftNet.transport(this.raftId as string),
      clock: this.clock,
      rng: this.rng.fork(),
      requestTimeoutMs: 5_000,
      snapshotInterval: 2_000,
      keepEntries: 200,
      logger: traceLogger(this.env.trace, this.nodeId),
    });
    this.manager = m;
    this.env.sessionNet.listen(this.addr, m.dispatcher);
    await m.start();
  }

  private followRole(n: DeepReadonly<Node>): void {
    if (!this.up) return;
    if (n.Spec.Role === 'manager' && !this.manager && !this.joining) {
      void this.join();
    } else if (n.Spec.Role === 'worker' && this.manager && n.ManagerStatus === undefined) {
      // Demoted and out of Raft: the manager role ends and its data goes.
      this.env.trace.add(`${this.nodeId} leaves the managers`);
      const m = this.manager;
      this.manager = undefined;
      this.raftStorage = undefined;
      this.raftId = undefined;
      this.env.sessionNet.crash(this.addr);
      void m.stop();
    }
  }

  /** Promoted: start a manager role with a new member id and ask the leader to admit it. */
  private async join(): Promise<void> {
    this.joining = true;
    try {
      this.raftId = newRaftId(this.nodeId, this.rng);
      this.raftStorage = this.newStorage();
      const raftId = this.raftId;
      this.env.trace.add(`${this.nodeId} joins the managers as ${raftId}`);
      for (let attempt = 0; attempt < 60 && this.up && this.raftId === raftId; attempt++) {
        const leader = this.env.leader();
        if (leader?.manager && leader !== this) {
          try {
            await leader.manager.join(this.nodeId, raftId, this.addr);
            break;
          } catch {
            // not the leader any more, or no quorum: retry
          }
        }
        await new Promise<void>((r) => this.clock.setTimeout(r, 500));
      }
      if (this.up && this.raftId === raftId) await this.startManager();
    } finally {
      this.joining = false;
    }
  }

  private diskOpts() {
    const vt = this.env.vt;
    const rng = this.rng.fork();
    return { disk: (complete: () => void) => void vt.after(0.05 + rng.next() * 2, complete) };
  }

  private newStorage(): MemoryStorage {
    return new MemoryStorage(this.diskOpts());
  }
}

/** Leadership changes, warnings and errors of a manager, as short trace lines. */
function traceLogger(trace: Trace, nodeId: string, base: LogFields = {}): Logger {
  const line = (level: string, fields: LogFields, msg: string): void => {
    const all = { ...base, ...fields };
    delete all.node;
    const extra = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    trace.add(`${nodeId} ${level}${msg}${extra ? ` (${extra})` : ''}`);
  };
  return {
    debug() {},
    info(fields, msg) {
      if (msg.startsWith('leader subsystems')) line('', { term: fields.term }, msg);
    },
    warn: (fields, msg) => line('warn: ', fields, msg),
    error: (fields, msg) => line('error: ', fields, msg),
    child: (fields) => traceLogger(trace, nodeId, { ...base, ...fields }),
  };
}
