/**
 * MemoryBackend: the Backend of the HTTP tests (and of demos): a real ControlApi over a
 * local MemoryStore, a fake swarm state machine (inactive -> active manager on init,
 * active worker on join, locked with autolock, inactive on leave), fake tasks that run as
 * soon as a service asks for them, an EventLog fed by the store, and a log history tests
 * append to. The daemon's real backend replaces every fake here with the real thing.
 */
import type { Cluster } from '../../api/cluster.ts';
import { newId } from '../../api/ids.ts';
import type { Node } from '../../api/node.ts';
import type { Clock } from '../../base/clock.ts';
import { ShoalError } from '../../base/errors.ts';
import { SeededRng } from '../../base/rng.ts';
import { type Control, ControlApi } from '../../manager/controlapi/index.ts';
import { MemoryStore, type NewObject, type Stored } from '../../store/index.ts';
import type {
  Backend,
  EngineInfo,
  EngineVersion,
  EventMessage,
  EventSubscription,
  InitRequest,
  JoinRequest,
  LocalNodeState,
  LogMessage,
  LogsRequest,
  SwarmBackend,
  SwarmLocalInfo,
  SwarmUpdateFlags,
} from '../backend.ts';
import { swarmUnavailable } from '../errors.ts';
import { EventLog } from '../event-log.ts';
import { applyLogOptions } from '../logs.ts';
import { runFakeTasks } from './fake-tasks.ts';

export const TEST_ENGINE_VERSION = '0.1.0-test';

interface Swarm {
  store: MemoryStore;
  api: ControlApi;
  stop: () => void;
  unfollow: () => void;
}

export class MemoryBackend implements Backend {
  readonly rng: SeededRng;
  readonly eventLog = new EventLog();
  readonly history: LogMessage[] = [];
  private readonly logWaiters = new Set<() => void>();
  state: LocalNodeState = 'inactive';
  role: 'manager' | 'worker' | undefined;
  nodeId = '';
  unlockKeyValue = '';
  private current: Swarm | undefined;
  /** Unset: registry lookups answer 501, as the daemon without a registry client. */
  distribution?: Backend['distribution'];

  constructor(
    readonly clock: Clock,
    readonly hostname = 'shoal-test',
    seed = 42,
  ) {
    this.rng = new SeededRng(seed);
  }

  get store(): MemoryStore | undefined {
    return this.current?.store;
  }

  control(): Control | undefined {
    return this.state === 'active' && this.role === 'manager' ? this.current?.api : undefined;
  }

  readonly swarm: SwarmBackend = {
    info: () => this.info(),
    inspect: async () => this.requireSwarm().api.getCluster(),
    init: (req) => this.init(req),
    join: (req) => this.join(req),
    leave: (force) => this.leave(force),
    update: (spec, version, flags) => this.update(spec, version, flags),
    unlock: async (key) => {
      if (this.state !== 'locked') throw new ShoalError('conflict', 'swarm is not locked');
      if (key !== this.unlockKeyValue) {
        throw new ShoalError('invalid_argument', 'swarm could not be unlocked: invalid key provided');
      }
      this.state = 'active';
    },
    unlockKey: async () => this.unlockKeyValue,
  };

  systemInfo(): EngineInfo {
    return {
      ID: 'ENGINE:TEST',
      Name: this.hostname,
      NCPU: 2,
      MemTotal: 4 * 2 ** 30,
      OperatingSystem: 'Shoal test backend',
      KernelVersion: '6.1.0',
      Architecture: 'x86_64',
      DockerRootDir: '/var/lib/shoal',
    };
  }

  version(): EngineVersion {
    return {
      Version: TEST_ENGINE_VERSION,
      GitCommit: 'test',
      Os: 'linux',
      Arch: 'amd64',
      KernelVersion: '6.1.0',
    };
  }

  events(listener: (m: EventMessage) => void): EventSubscription {
    return this.eventLog.subscribe(listener);
  }

  async *logs(req: LogsRequest, signal: AbortSignal): AsyncIterable<LogMessage> {
    let seen = this.history.length;
    yield* applyLogOptions(this.history, req);
    while (req.follow && !signal.aborted) {
      await new Promise<void>((wake) => {
        this.logWaiters.add(wake);
        signal.addEventListener('abort', () => wake(), { once: true });
      });
      const fresh = this.history.slice(seen);
      seen = this.history.length;
      yield* applyLogOptions(fresh, { ...req, tail: undefined, since: undefined });
    }
  }

  /** Appends a log line (and wakes followers). */
  pushLog(m: LogMessage): void {
    this.history.push(m);
    for (const w of this.logWaiters) w();
    this.logWaiters.clear();
  }

  /** A node joining through the dispatcher, as far as the store goes. */
  async addNode(id: string, hostname: string, role: 'manager' | 'worker' = 'worker'): Promise<void> {
    await this.requireSwarm().store.update((tx) => tx.nodes.create(this.node(id, hostname, role, false)));
  }

  close(): void {
    this.current?.stop();
    this.current?.unfollow();
    this.current = undefined;
  }

  private info(): SwarmLocalInfo {
    const inSwarm = this.state !== 'inactive';
    return {
      NodeID: inSwarm ? this.nodeId : '',
      NodeAddr: inSwarm ? '10.0.0.1' : '',
      LocalNodeState: this.state,
      ControlAvailable: this.control() !== undefined,
      Error: '',
      RemoteManagers:
        inSwarm && this.role === 'manager' ? [{ NodeID: this.nodeId, Addr: '10.0.0.1:2377' }] : [],
      ...(this.role !== undefined ? { Role: this.role } : {}),
    };
  }

  private requireSwarm(): Swarm {
    if (this.current === undefined) throw swarmUnavailable('noSwarm');
    return this.current;
  }

  private node(id: string, hostname: string, role: 'manager' | 'worker', leader: boolean): NewObject<Node> {
    return {
      ID: id,
      Spec: { Role: role, Availability: 'active', Labels: {} },
      Description: {
        Hostname: hostname,
        Platform: { Architecture: 'x86_64', OS: 'linux' },
        Resources: { NanoCPUs: 2e9, MemoryBytes: 4 * 2 ** 30 },
        Engine: { EngineVersion: TEST_ENGINE_VERSION },
      },
      Status: { State: 'ready', Addr: '10.0.0.1' },
      ...(role === 'manager'
        ? { ManagerStatus: { Leader: leader, Reachability: 'reachable', Addr: '10.0.0.1:2377' } }
        : {}),
    };
  }

  private token(kind: string): string {
    return `SWMTKN-1-${newId(this.rng)}${newId(this.rng)}-${kind}${newId(this.rng)}`;
  }

  private async init(req: InitRequest): Promise<string> {
    if (this.state !== 'inactive') throw swarmUnavailable('swarmExists');
    const store = MemoryStore.local({ clock: this.clock });
    const api = new ControlApi({ store, clock: this.clock, rng: this.rng });
    this.nodeId = newId(this.rng);
    const cluster: NewObject<Cluster> = {
      ID: newId(this.rng),
      Spec: { ...(req.Spec ?? {}), Name: 'default', Labels: req.Spec?.Labels ?? {} },
      JoinTokens: { Worker: this.token('w'), Manager: this.token('m') },
      ...(req.DefaultAddrPool ? { DefaultAddrPool: req.DefaultAddrPool } : {}),
      ...(req.SubnetSize ? { SubnetSize: req.SubnetSize } : {}),
      ...(req.DataPathPort ? { DataPathPort: req.DataPathPort } : {}),
    };
    await store.update((tx) => {
      tx.clusters.create(cluster);
      tx.nodes.create(this.node(this.nodeId, this.hostname, 'manager', true));
      // swarmkit's default ingress network, made at init.
      tx.networks.create({
        ID: newId(this.rng),
        Spec: {
          Name: 'ingress',
          Labels: {},
          Ingress: true,
          DriverConfiguration: { Name: 'overlay' },
          IPAMOptions: { Driver: { Name: 'default' }, Configs: [{ Subnet: '10.255.0.0/16' }] },
          Scope: 'swarm',
        },
      });
    });
    const stop = runFakeTasks(store, this.clock, this.rng, () => this.nodeId);
    const unfollow = this.eventLog.followStore(store, this.clock);
    this.current = { store, api, stop, unfollow };
    this.state = 'active';
    this.role = 'manager';
    if (req.AutoLockManagers || req.Spec?.EncryptionConfig?.AutoLockManagers)
      this.unlockKeyValue = this.token('k');
    return this.nodeId;
  }

  private async join(req: JoinRequest): Promise<void> {
    if (this.state !== 'inactive') throw swarmUnavailable('swarmExists');
    if ((req.RemoteAddrs ?? []).length === 0) {
      throw new ShoalError('invalid_argument', 'at least 1 RemoteAddr is required to join');
    }
    this.nodeId = newId(this.rng);
    this.state = 'active';
    this.role = 'worker';
  }

  private async leave(force: boolean): Promise<void> {
    if (this.state === 'inactive') throw swarmUnavailable('noSwarm');
    if (this.role === 'manager' && !force) {
      throw new ShoalError(
        'unavailable',
        'You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message. ',
      );
    }
    this.close();
    this.state = 'inactive';
    this.role = undefined;
    this.nodeId = '';
  }

  private async update(spec: unknown, version: number, flags: SwarmUpdateFlags): Promise<void> {
    const { api, store } = this.requireSwarm();
    const updated = await api.updateCluster(version, spec);
    if (flags.rotateWorkerToken || flags.rotateManagerToken) {
      const tokens = updated.JoinTokens ?? { Worker: '', Manager: '' };
      const next = {
        Worker: flags.rotateWorkerToken ? this.token('w') : tokens.Worker,
        Manager: flags.rotateManagerToken ? this.token('m') : tokens.Manager,
      };
      await store.update((tx) => tx.clusters.update({ ...(updated as Stored<Cluster>), JoinTokens: next }));
    }
    const autolock = updated.Spec.EncryptionConfig?.AutoLockManagers === true;
    if (!autolock) this.unlockKeyValue = '';
    else if (flags.rotateManagerUnlockKey || this.unlockKeyValue === '')
      this.unlockKeyValue = this.token('k');
  }
}
