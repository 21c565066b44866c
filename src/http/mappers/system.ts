/**
 * The swarm object (GET /swarm, /info's Swarm.Cluster), GET /info and GET /version in the
 * Engine's JSON.
 *
 * A swarm's spec always shows every section (Docker's `swarm init` fills them): a section
 * or value missing from the stored spec shows Docker's default (SWARM_DEFAULTS), as do the
 * address pool (10.0.0.0/8, /24 subnets) and the VXLAN port (4789). /info fills what the
 * daemon leaves out with neutral values; its Swarm section is swarm.info() plus, on a
 * manager, the node counts and the cluster, as moby's Cluster.Info does.
 */
import { type Cluster, SWARM_DEFAULTS, type SwarmSpec } from '../../api/cluster.ts';
import type { Stored } from '../../store/index.ts';
import type { EngineInfo, EngineVersion, SwarmLocalInfo } from '../backend.ts';
import { stripNulls } from '../request.ts';
import { API_VERSION, MIN_API_VERSION } from '../router.ts';

type Json = Record<string, unknown>;

export function swarmSpecToEngine(s: Stored<SwarmSpec>): Json {
  const d = SWARM_DEFAULTS;
  return {
    ...s,
    Labels: s.Labels ?? {},
    Orchestration: { TaskHistoryRetentionLimit: d.taskHistoryRetentionLimit, ...s.Orchestration },
    Raft: {
      SnapshotInterval: d.snapshotInterval,
      KeepOldSnapshots: 0,
      LogEntriesForSlowFollowers: d.logEntriesForSlowFollowers,
      ElectionTick: d.electionTick,
      HeartbeatTick: d.heartbeatTick,
      ...s.Raft,
    },
    Dispatcher: { HeartbeatPeriod: d.heartbeatPeriodNs, ...s.Dispatcher },
    CAConfig: { NodeCertExpiry: d.nodeCertExpiryNs, ...s.CAConfig },
    TaskDefaults: s.TaskDefaults ?? {},
    EncryptionConfig: { AutoLockManagers: false, ...s.EncryptionConfig },
  };
}

/** ClusterInfo (and Swarm, with the join tokens, when `withTokens`). */
export function clusterToEngine(c: Stored<Cluster>, withTokens: boolean): Json {
  const out: Json = {
    ID: c.ID,
    Version: { Index: c.Version.Index },
    CreatedAt: c.CreatedAt,
    UpdatedAt: c.UpdatedAt,
    Spec: swarmSpecToEngine(c.Spec),
    TLSInfo: c.TLSInfo ?? {},
    RootRotationInProgress: c.RootRotationInProgress ?? false,
    DefaultAddrPool: c.DefaultAddrPool ?? ['10.0.0.0/8'],
    SubnetSize: c.SubnetSize ?? 24,
    DataPathPort: c.DataPathPort ?? 4789,
  };
  if (withTokens) out.JoinTokens = c.JoinTokens ?? { Worker: '', Manager: '' };
  return stripNulls(out) as Json;
}

export interface ManagerView {
  nodes: number;
  managers: number;
  cluster: Stored<Cluster> | undefined;
}

const TWO_MANAGERS = `WARNING: Running Swarm in a two-manager configuration. This configuration provides
no fault tolerance, and poses a high risk to lose control over the cluster.
Refer to https://docs.docker.com/engine/swarm/admin_guide/ to configure the
Swarm for fault-tolerance.`;

export function swarmInfoToEngine(local: SwarmLocalInfo, manager: ManagerView | undefined): Json {
  const out: Json = {
    NodeID: local.NodeID,
    NodeAddr: local.NodeAddr,
    LocalNodeState: local.LocalNodeState,
    ControlAvailable: local.ControlAvailable,
    Error: local.Error,
    RemoteManagers: local.RemoteManagers.map((p) => ({ NodeID: p.NodeID, Addr: p.Addr })),
  };
  if (manager !== undefined) {
    out.Nodes = manager.nodes;
    out.Managers = manager.managers;
    if (manager.cluster !== undefined) out.Cluster = clusterToEngine(manager.cluster, false);
  }
  return out;
}

export function infoToEngine(
  e: EngineInfo,
  v: EngineVersion,
  swarm: Json,
  manager: ManagerView | undefined,
  nowMs: number,
): Json {
  const warnings = [...(e.Warnings ?? [])];
  const active = swarm.LocalNodeState === 'active' || swarm.LocalNodeState === 'pending';
  if (manager !== undefined && active && manager.managers === 2) warnings.push(TWO_MANAGERS);
  return {
    ID: e.ID ?? '',
    Containers: e.Containers ?? 0,
    ContainersRunning: e.ContainersRunning ?? 0,
    ContainersPaused: e.ContainersPaused ?? 0,
    ContainersStopped: e.ContainersStopped ?? 0,
    Images: e.Images ?? 0,
    Driver: '',
    DriverStatus: [],
    DockerRootDir: e.DockerRootDir ?? '',
    Plugins: { Volume: [], Network: ['overlay'], Log: [] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date(nowMs).toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'none',
    CgroupVersion: '2',
    NEventsListener: 0,
    KernelVersion: e.KernelVersion ?? v.KernelVersion ?? '',
    OperatingSystem: e.OperatingSystem ?? '',
    OSVersion: e.OSVersion ?? '',
    OSType: 'linux',
    Architecture: e.Architecture ?? v.Arch ?? '',
    NCPU: e.NCPU ?? 0,
    MemTotal: e.MemTotal ?? 0,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: [], Mirrors: [] },
    GenericResources: [],
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: e.Name ?? '',
    Labels: e.Labels ?? [],
    ExperimentalBuild: false,
    ServerVersion: e.ServerVersion ?? v.Version,
    Runtimes: {},
    DefaultRuntime: '',
    Swarm: swarm,
    LiveRestoreEnabled: false,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: [],
    Warnings: warnings,
  };
}

export function versionToEngine(v: EngineVersion): Json {
  const details = {
    ApiVersion: API_VERSION,
    Arch: v.Arch ?? '',
    BuildTime: v.BuildTime ?? '',
    Experimental: 'false',
    GitCommit: v.GitCommit ?? '',
    GoVersion: v.GoVersion ?? '',
    KernelVersion: v.KernelVersion ?? '',
    MinAPIVersion: MIN_API_VERSION,
    Os: v.Os ?? 'linux',
  };
  return {
    Platform: { Name: 'Shoal' },
    Components: [{ Name: 'Engine', Version: v.Version, Details: details }],
    Version: v.Version,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: v.GitCommit ?? '',
    GoVersion: v.GoVersion ?? '',
    Os: v.Os ?? 'linux',
    Arch: v.Arch ?? '',
    KernelVersion: v.KernelVersion ?? '',
    BuildTime: v.BuildTime ?? '',
  };
}
