/**
 * ControlApi: the manager's control API, one object with an async method per operation.
 * The Engine-compatible HTTP layer calls it on the leader, and (later) the cluster RPC's
 * control forwarding calls it on behalf of a follower, which is why every method returns
 * a promise even when it only reads: `Control` is the interface both will share.
 *
 * It writes only what the control API owns (Service.Spec/PreviousSpec, Node.Spec,
 * Cluster.Spec, networks, secrets, configs) and talks to nothing but the store. Failures
 * are ControlApiErrors in Docker's words (errors.ts); the per-resource modules hold the
 * rules and say where in Docker each one comes from.
 */
import type { Cluster } from '../../api/cluster.ts';
import type { Network } from '../../api/network.ts';
import type { Node } from '../../api/node.ts';
import type { Config, Secret } from '../../api/secret.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import type { Clock } from '../../base/clock.ts';
import { ShoalError } from '../../base/errors.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore, Stored } from '../../store/index.ts';
import { type ClusterUpdateFlags, getCluster, updateCluster } from './cluster.ts';
import type { ControlContext, RaftMembership } from './context.ts';
import type { FilterInput } from './filters.ts';
import { serviceNameGenerator } from './names.ts';
import { createNetwork, getNetwork, listNetworks, removeNetwork } from './networks.ts';
import { getNode, listNodes, removeNode, updateNode } from './nodes.ts';
import { configs, secrets } from './secrets.ts';
import { getService, listServices, type ServiceListItem, type ServiceListOptions } from './service-read.ts';
import { createService, removeService, type ServiceUpdateOptions, updateService } from './service-write.ts';
import { getTask, listTasks } from './tasks.ts';

export interface ListOptions {
  readonly filters?: FilterInput;
}

export interface Control {
  createService(spec: unknown): Promise<Stored<Service>>;
  getService(ref: string, opts?: { insertDefaults?: boolean }): Promise<Stored<Service>>;
  listServices(opts?: ServiceListOptions): Promise<ServiceListItem[]>;
  updateService(
    ref: string,
    version: number,
    spec: unknown,
    opts?: ServiceUpdateOptions,
  ): Promise<Stored<Service>>;
  removeService(ref: string): Promise<void>;

  getNode(ref: string): Promise<Stored<Node>>;
  listNodes(opts?: ListOptions): Promise<Stored<Node>[]>;
  updateNode(ref: string, version: number, spec: unknown): Promise<Stored<Node>>;
  removeNode(ref: string, opts?: { force?: boolean }): Promise<void>;

  createNetwork(spec: unknown): Promise<Stored<Network>>;
  getNetwork(ref: string): Promise<Stored<Network>>;
  listNetworks(opts?: ListOptions): Promise<Stored<Network>[]>;
  removeNetwork(ref: string): Promise<void>;

  createSecret(spec: unknown): Promise<Stored<Secret>>;
  getSecret(ref: string): Promise<Stored<Secret>>;
  listSecrets(opts?: ListOptions): Promise<Stored<Secret>[]>;
  updateSecret(ref: string, version: number, spec: unknown): Promise<Stored<Secret>>;
  removeSecret(ref: string): Promise<void>;

  createConfig(spec: unknown): Promise<Stored<Config>>;
  getConfig(ref: string): Promise<Stored<Config>>;
  listConfigs(opts?: ListOptions): Promise<Stored<Config>[]>;
  updateConfig(ref: string, version: number, spec: unknown): Promise<Stored<Config>>;
  removeConfig(ref: string): Promise<void>;

  getCluster(): Promise<Stored<Cluster>>;
  updateCluster(version: number, spec: unknown, flags?: ClusterUpdateFlags): Promise<Stored<Cluster>>;

  getTask(ref: string): Promise<Stored<Task>>;
  listTasks(opts?: ListOptions): Promise<Stored<Task>[]>;

  /**
   * Admits a manager into Raft (not part of Docker's API: a joining or promoted manager
   * calls it through control forwarding, which only manager certificates may use).
   */
  joinRaft(nodeId: string, raftId: string, addr: string): Promise<Array<{ raftId: string; addr: string }>>;
}

export interface ControlApiOptions {
  store: MemoryStore;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  /** Raft membership, for the demotion and removal rules (the manager wires it). */
  raft?: RaftMembership;
  /** Names nameless services; defaults to `adjective_surname` drawn from `rng`. */
  generateName?: () => string;
  /** Admits a manager into Raft (the manager wires it; absent: refused). */
  joinRaft?: (
    nodeId: string,
    raftId: string,
    addr: string,
  ) => Promise<Array<{ raftId: string; addr: string }>>;
}

/** Runs a synchronous read so that its failure, too, arrives as a rejected promise. */
const read = <R>(fn: () => R): Promise<R> => new Promise((ok) => ok(fn()));

export class ControlApi implements Control {
  private readonly ctx: ControlContext;

  private readonly raftJoin: ControlApiOptions['joinRaft'];

  constructor(opts: ControlApiOptions) {
    this.raftJoin = opts.joinRaft;
    this.ctx = {
      store: opts.store,
      clock: opts.clock,
      rng: opts.rng,
      log: (opts.logger ?? nullLogger).child({ component: 'controlapi' }),
      raft: opts.raft,
      generateName: opts.generateName ?? serviceNameGenerator(opts.rng),
    };
  }

  joinRaft = async (
    nodeId: string,
    raftId: string,
    addr: string,
  ): Promise<Array<{ raftId: string; addr: string }>> => {
    if (!this.raftJoin) throw new ShoalError('failed_precondition', 'this manager cannot admit managers');
    return this.raftJoin(nodeId, raftId, addr);
  };

  createService = (spec: unknown) => createService(this.ctx, spec);
  getService = (ref: string, opts?: { insertDefaults?: boolean }) =>
    read(() => getService(this.ctx, ref, opts));
  listServices = (opts?: ServiceListOptions) => read(() => listServices(this.ctx, opts));
  updateService = (ref: string, version: number, spec: unknown, opts?: ServiceUpdateOptions) =>
    updateService(this.ctx, ref, version, spec, opts);
  removeService = (ref: string) => removeService(this.ctx, ref);

  getNode = (ref: string) => read(() => getNode(this.ctx, ref));
  listNodes = (opts?: ListOptions) => read(() => listNodes(this.ctx, opts));
  updateNode = (ref: string, version: number, spec: unknown) => updateNode(this.ctx, ref, version, spec);
  removeNode = (ref: string, opts?: { force?: boolean }) => removeNode(this.ctx, ref, opts);

  createNetwork = (spec: unknown) => createNetwork(this.ctx, spec);
  getNetwork = (ref: string) => read(() => getNetwork(this.ctx, ref));
  listNetworks = (opts?: ListOptions) => read(() => listNetworks(this.ctx, opts));
  removeNetwork = (ref: string) => removeNetwork(this.ctx, ref);

  createSecret = (spec: unknown) => secrets.create(this.ctx, spec);
  getSecret = (ref: string) => read(() => secrets.get(this.ctx, ref));
  listSecrets = (opts?: ListOptions) => read(() => secrets.list(this.ctx, opts));
  updateSecret = (ref: string, version: number, spec: unknown) =>
    secrets.update(this.ctx, ref, version, spec);
  removeSecret = (ref: string) => secrets.remove(this.ctx, ref);

  createConfig = (spec: unknown) => configs.create(this.ctx, spec);
  getConfig = (ref: string) => read(() => configs.get(this.ctx, ref));
  listConfigs = (opts?: ListOptions) => read(() => configs.list(this.ctx, opts));
  updateConfig = (ref: string, version: number, spec: unknown) =>
    configs.update(this.ctx, ref, version, spec);
  removeConfig = (ref: string) => configs.remove(this.ctx, ref);

  getCluster = () => read(() => getCluster(this.ctx));
  updateCluster = (version: number, spec: unknown, flags?: ClusterUpdateFlags) =>
    updateCluster(this.ctx, version, spec, flags);

  getTask = (ref: string) => read(() => getTask(this.ctx, ref));
  listTasks = (opts?: ListOptions) => read(() => listTasks(this.ctx, opts));
}
