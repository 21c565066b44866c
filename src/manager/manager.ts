/**
 * Manager: the manager role of one node. It owns the node's Raft member, the replicated
 * store on top of it, the control API and the dispatcher, and starts the leader-only
 * subsystems when this member becomes leader and stops them when it loses leadership.
 *
 *            ControlApi ──► MemoryStore ◄──► RaftNode ◄── peers
 *                               ▲   │ events
 *   leader only (new instances  │   ▼
 *   every term):   Orchestration, Allocator, Scheduler, RoleManager, Dispatcher.start(),
 *                  RootRotationReconciler
 *
 * A new leader first waits until it has applied everything committed before its term
 * (a linearizable read), so no subsystem acts on a stale store: no task is lost or
 * duplicated across a leader change.
 */
import type { Clock } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import { nullLogger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import { NotLeaderError } from '../raft/errors.ts';
import { RaftNode } from '../raft/node.ts';
import type { RaftStorage } from '../raft/storage/storage.ts';
import type { Transport } from '../raft/transport/transport.ts';
import { MemoryStore, RaftProposer } from '../store/index.ts';
import { Allocator } from './allocator/index.ts';
import { RootRotationReconciler } from './ca/root-rotation.ts';
import { ControlApi } from './controlapi/index.ts';
import { RaftDirectory } from './directory.ts';
import { Dispatcher, type DispatcherOptions } from './dispatcher/index.ts';
import { MeshPublisher } from './mesh/publisher.ts';
import { Orchestration } from './orchestrator/index.ts';
import { ensureClusterObjects, ensureManagerNode, type InitialCluster } from './role/cluster-init.ts';
import { nodeIdOfMember } from './role/raft-ids.ts';
import { RoleManager } from './role/role-manager.ts';
import { Scheduler } from './scheduler/index.ts';

export interface ManagerOptions {
  nodeId: string;
  /** This manager's Raft member id (see role/raft-ids.ts). */
  raftId: string;
  /** Cluster address peers and agents reach this manager at (host:2377). */
  address: string;
  storage: RaftStorage;
  transport: Transport;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  tickMs?: number;
  electionTick?: number;
  snapshotInterval?: number;
  keepEntries?: number;
  requestTimeoutMs?: number;
  /** Dispatcher tuning (tests, simulation). */
  dispatcher?: Partial<Omit<DispatcherOptions, 'store' | 'clock' | 'rng' | 'self' | 'directory'>>;
  /** Scheduler batching window (ms). */
  schedulerGatherMs?: number;
  /** For the first manager of a new swarm: the Cluster object's id, CA and tokens. */
  initialCluster?: InitialCluster;
}

export interface RaftMember {
  raftId: string;
  addr: string;
}

interface Term {
  orchestration: Orchestration;
  allocator: Allocator;
  scheduler: Scheduler;
  roles: RoleManager;
  mesh: MeshPublisher;
  rotation: RootRotationReconciler;
}

export class Manager {
  readonly store: MemoryStore;
  readonly raft: RaftNode;
  readonly control: ControlApi;
  readonly dispatcher: Dispatcher;
  readonly directory: RaftDirectory;
  private readonly log: Logger;
  private term: Term | undefined;
  /** Leadership transitions run one after the other. */
  private transitions: Promise<void> = Promise.resolve();
  private leading = false;
  private stopped = false;

  constructor(private readonly opts: ManagerOptions) {
    this.log = (opts.logger ?? nullLogger).child({ component: 'manager', node: opts.nodeId });
    this.store = new MemoryStore({ clock: opts.clock, logger: this.log });
    this.directory = new RaftDirectory();
    this.raft = new RaftNode({
      id: opts.raftId,
      address: opts.address,
      storage: opts.storage,
      transport: opts.transport,
      stateMachine: this.store.stateMachine,
      clock: opts.clock,
      rng: opts.rng.fork(),
      logger: this.log,
      ...(opts.tickMs !== undefined && { tickMs: opts.tickMs }),
      ...(opts.electionTick !== undefined && { electionTick: opts.electionTick }),
      ...(opts.snapshotInterval !== undefined && { snapshotInterval: opts.snapshotInterval }),
      ...(opts.keepEntries !== undefined && { keepEntries: opts.keepEntries }),
      ...(opts.requestTimeoutMs !== undefined && { requestTimeoutMs: opts.requestTimeoutMs }),
      onStateChange: (s) => {
        this.directory.update(this.raft);
        if (s.state === 'leader' && !this.leading) this.transition(true);
        else if (s.state !== 'leader' && this.leading) this.transition(false);
      },
      onConfChange: () => this.directory.update(this.raft),
    });
    this.store.setProposer(new RaftProposer(this.raft, { timeoutMs: opts.requestTimeoutMs ?? 10_000 }));
    this.control = new ControlApi({
      store: this.store,
      clock: opts.clock,
      rng: opts.rng.fork(),
      logger: this.log,
      raft: {
        isMember: (nodeId) => this.memberOf(nodeId) !== undefined,
        canRemove: (nodeId) => this.canRemove(nodeId),
      },
      joinRaft: (nodeId, raftId, addr) => this.join(nodeId, raftId, addr),
    });
    this.dispatcher = new Dispatcher({
      store: this.store,
      clock: opts.clock,
      rng: opts.rng.fork(),
      logger: this.log,
      self: { nodeId: opts.nodeId, addr: opts.address },
      directory: this.directory,
      ...opts.dispatcher,
    });
  }

  async start(): Promise<void> {
    await this.raft.start();
    this.directory.update(this.raft);
  }

  get isLeader(): boolean {
    return this.leading && this.term !== undefined;
  }

  /**
   * Admits a joining manager (leader only): its node is recorded with the manager role,
   * then its new Raft member is added as a learner; the RoleManager promotes it to voter
   * once it has caught up.
   */
  async join(nodeId: string, raftId: string, address: string): Promise<RaftMember[]> {
    if (!this.raft.isLeader) {
      throw new NotLeaderError(this.raft.leader, this.raft.members.get(this.raft.leader));
    }
    await ensureManagerNode(this.store, nodeId, address);
    const conf = this.raft.status().conf;
    if (!conf.voters.includes(raftId) && !conf.learners.includes(raftId)) {
      await this.raft.proposeConfChange({ type: 'addLearner', node: raftId, address });
    }
    // The new member starts with an empty log: it needs its peers' addresses to answer.
    return [...this.raft.members].map(([id, addr]) => ({ raftId: id, addr }));
  }

  /** Peers learned outside the log (a joining member, before the log reaches it). */
  addPeers(members: readonly RaftMember[]): void {
    for (const m of members) if (m.raftId !== this.opts.raftId) this.opts.transport.addPeer(m.raftId, m.addr);
  }

  /** Stops everything; a leader hands over first when `transfer` is set. */
  async stop(opts: { transfer?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    if (opts.transfer) await this.raft.stop({ transfer: true });
    this.stopped = true;
    this.transition(false);
    await this.transitions;
    this.dispatcher.dispose();
    await this.raft.stop();
  }

  /** Stops at once, as a crash would (simulation). */
  halt(): void {
    this.stopped = true;
    this.raft.halt();
    this.dispatcher.dispose();
    const t = this.term;
    this.term = undefined;
    if (t) void stopTerm(t);
  }

  private transition(lead: boolean): void {
    this.leading = lead;
    this.transitions = this.transitions
      .then(() => (lead ? this.lead() : this.stepDown()))
      .catch((e: unknown) => {
        this.log.error({ err: (e as Error).message }, 'leadership transition failed');
      });
  }

  private async lead(): Promise<void> {
    if (!this.leading || this.stopped || this.term) return;
    const term = this.raft.core.raft.term;
    try {
      // Apply everything committed before this term before acting on the store.
      await this.raft.linearizableRead();
      await ensureClusterObjects(this.store, this.opts.rng, this.opts.initialCluster);
      await ensureManagerNode(this.store, this.opts.nodeId, this.opts.address);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not settle as leader');
      return;
    }
    if (!this.leading || this.stopped || this.raft.core.raft.term !== term) return;
    const { clock, rng } = this.opts;
    const store = this.store;
    const deps = { store, clock, rng: rng.fork(), logger: this.log };
    const t: Term = {
      orchestration: new Orchestration(deps),
      allocator: new Allocator({ store, clock, logger: this.log }),
      scheduler: new Scheduler({
        store,
        clock,
        logger: this.log,
        ...(this.opts.schedulerGatherMs !== undefined && { gatherMs: this.opts.schedulerGatherMs }),
      }),
      roles: new RoleManager({ store, raft: this.raft, clock, logger: this.log }),
      mesh: new MeshPublisher({ store, clock, logger: this.log, publish: (m) => this.dispatcher.setMesh(m) }),
      rotation: new RootRotationReconciler({ store, clock, logger: this.log }),
    };
    this.term = t;
    t.allocator.start();
    t.scheduler.start();
    t.orchestration.start();
    t.roles.start();
    this.dispatcher.start();
    t.mesh.start();
    t.rotation.start();
    this.log.info({ term }, 'leader subsystems started');
  }

  private async stepDown(): Promise<void> {
    const t = this.term;
    this.term = undefined;
    t?.mesh.stop();
    this.dispatcher.setMesh(undefined);
    this.dispatcher.stop();
    if (t) {
      await stopTerm(t);
      this.log.info({}, 'leader subsystems stopped');
    }
  }

  private memberOf(nodeId: string): string | undefined {
    const conf = this.raft.status().conf;
    return [...conf.voters, ...conf.learners].find((m) => nodeIdOfMember(m) === nodeId);
  }

  /** Removing this node's voter must leave a quorum of reachable voters. */
  private canRemove(nodeId: string): boolean {
    const st = this.raft.status();
    const m = this.memberOf(nodeId);
    if (!m || !st.conf.voters.includes(m)) return true;
    const remaining = st.conf.voters.filter((v) => v !== m);
    const reachable = remaining.filter((v) => v === this.raft.id || st.progress.get(v)?.recentActive).length;
    return remaining.length > 0 && reachable >= Math.floor(remaining.length / 2) + 1;
  }
}

async function stopTerm(t: Term): Promise<void> {
  t.rotation.stop();
  await Promise.all([t.roles.stop(), t.orchestration.stop(), t.scheduler.stop(), t.allocator.stop()]);
}
