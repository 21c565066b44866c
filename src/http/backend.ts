/**
 * What the HTTP API needs from the daemon that mounts it: the one interface the daemon
 * implements (and `testing/memory-backend.ts` implements in memory for the tests).
 *
 *   control()      the manager's ControlApi, or undefined when this node is not an active
 *                  manager: every swarm route then answers 503 in Docker's words, picked
 *                  from swarm.info() (not in a swarm / worker / manager not ready / locked)
 *   swarm          init, join, leave, update (token and unlock-key rotation are the CA's),
 *                  unlock, the unlock key, and this node's place in the swarm
 *   systemInfo()   engine facts for GET /info (the Swarm section comes from swarm.info()
 *                  and, on a manager, the store: Nodes, Managers, Cluster)
 *   version()      GET /version and the Server header
 *   events()       swarm events as Engine messages (EventLog in event-log.ts is a ready
 *                  source fed by the store); filtering and since/until are done here
 *   logs()         service and task log lines; the framing, `details`, timestamps and
 *                  stream selection are done here, follow/tail/since by the source
 *
 * Objects cross this boundary in src/api's types; the mappers turn them into Engine JSON.
 */
import type { Cluster, SwarmSpec } from '../api/cluster.ts';
import type { NodeAvailability, NodeRole } from '../api/node.ts';
import type { Control } from '../manager/controlapi/index.ts';
import type { Stored } from '../store/index.ts';

export type LocalNodeState = 'inactive' | 'pending' | 'active' | 'error' | 'locked';

export interface PeerNode {
  NodeID: string;
  Addr: string;
}

/** This node's place in a swarm (GET /info's Swarm section, the /_ping `Swarm` header). */
export interface SwarmLocalInfo {
  /** Empty when the node is in no swarm. */
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: LocalNodeState;
  /** True on an active manager (the one whose control() is defined). */
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers: PeerNode[];
  /** This node's role in the swarm; never sent, it picks the `Swarm` header and the 503 text. */
  Role?: NodeRole;
}

/** POST /swarm/init (Engine InitRequest, keys canonical, Go's nulls stripped). */
export interface InitRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  DataPathAddr?: string;
  DataPathPort?: number;
  DefaultAddrPool?: string[];
  ForceNewCluster?: boolean;
  SubnetSize?: number;
  Spec?: SwarmSpec;
  AutoLockManagers?: boolean;
  Availability?: NodeAvailability;
}

/** POST /swarm/join. */
export interface JoinRequest {
  ListenAddr?: string;
  AdvertiseAddr?: string;
  DataPathAddr?: string;
  RemoteAddrs?: string[];
  JoinToken?: string;
  Availability?: NodeAvailability;
}

/** The query flags of POST /swarm/update. */
export interface SwarmUpdateFlags {
  rotateWorkerToken: boolean;
  rotateManagerToken: boolean;
  rotateManagerUnlockKey: boolean;
}

export interface SwarmBackend {
  /** Synchronous: asked on every /_ping and every refused swarm request. */
  info(): SwarmLocalInfo;
  /** The cluster object with its join tokens (GET /swarm); asked only on an active manager. */
  inspect(): Promise<Stored<Cluster>>;
  /** Creates a swarm; resolves with this node's id. */
  init(req: InitRequest): Promise<string>;
  join(req: JoinRequest): Promise<void>;
  leave(force: boolean): Promise<void>;
  /** `spec` is the client's SwarmSpec (unvalidated); asked only on an active manager. */
  update(spec: unknown, version: number, flags: SwarmUpdateFlags): Promise<void>;
  unlock(key: string): Promise<void>;
  /** Asked only on an active manager. */
  unlockKey(): Promise<string>;
}

/** Engine facts for GET /info; anything absent gets a neutral default. */
export interface EngineInfo {
  ID?: string;
  /** The host name. */
  Name?: string;
  ServerVersion?: string;
  OperatingSystem?: string;
  OSVersion?: string;
  KernelVersion?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  DockerRootDir?: string;
  Labels?: string[];
  Containers?: number;
  ContainersRunning?: number;
  ContainersPaused?: number;
  ContainersStopped?: number;
  Images?: number;
  Warnings?: string[];
}

/** Facts for GET /version. */
export interface EngineVersion {
  Version: string;
  GitCommit?: string;
  GoVersion?: string;
  KernelVersion?: string;
  Os?: string;
  Arch?: string;
  BuildTime?: string;
}

/** An Engine event message (GET /events), as Docker sends it. */
export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch (a float beyond 2^53: precision below a microsecond is lost). */
  timeNano: number;
}

export interface EventSubscription {
  /** Events already recorded, oldest first (the source decides how many it keeps). */
  readonly past: readonly EventMessage[];
  close(): void;
}

/** Which lines GET /services/{id}/logs and /tasks/{id}/logs want; references already resolved. */
export interface LogsRequest {
  serviceIds: string[];
  taskIds: string[];
  follow: boolean;
  /** Last lines per task; undefined: all. */
  tail: number | undefined;
  /** Only lines at or after this wall-clock time (ms since the epoch, fractional). */
  since: number | undefined;
  stdout: boolean;
  stderr: boolean;
}

export interface LogMessage {
  /** Wall-clock ms since the epoch. */
  time: number;
  stream: 'stdout' | 'stderr';
  /** One line (a newline is added when missing). */
  line: string | Uint8Array;
  context: { nodeId: string; serviceId: string; taskId: string };
  /** Extra details (the log driver's); shown before the context keys, sorted. */
  attrs?: Readonly<Record<string, string>>;
  /** A failure of the source: written as `Error grabbing logs: <err>` on the system stream. */
  err?: string;
}

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number; urls?: string[] };
  Platforms: Array<{ architecture?: string; os?: string; variant?: string }>;
}

export interface Backend {
  control(): Control | undefined;
  readonly swarm: SwarmBackend;
  systemInfo(): EngineInfo | Promise<EngineInfo>;
  version(): EngineVersion;
  /** Subscribes: `listener` gets every event recorded after `past`, with no gap. */
  events(listener: (m: EventMessage) => void): EventSubscription;
  /** Ends when `signal` aborts, or (without follow) when the history is written. */
  logs(req: LogsRequest, signal: AbortSignal): AsyncIterable<LogMessage>;
  /** Registry lookups for GET /distribution/{name}/json; without it the answer is 501. */
  distribution?(image: string, encodedAuth: string | undefined): Promise<DistributionInspect>;
}
