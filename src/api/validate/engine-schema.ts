/**
 * The Engine API's Go structs, as far as the JSON shape goes (shape.ts walks values against
 * them). Type names are Go's as encoding/json prints them, so type errors read like
 * Docker's. Fields Shoal's types do not have are left out: Go ignores unknown fields.
 */
import { arr, bool, bytes, duration, f32, i64, map, str, struct, u32, u64 } from './shape.ts';

const strings = arr(str());
const labels = map(str());
const fileMode = u32('fs.FileMode');
const driver = (go: string) => struct(go, { Name: str(), Options: labels });

const fileTarget = (go: string) => struct(go, { Name: str(), UID: str(), GID: str(), Mode: fileMode });

const mount = struct('mount.Mount', {
  Type: str('mount.Type'),
  Source: str(),
  Target: str(),
  ReadOnly: bool,
  Consistency: str('mount.Consistency'),
  BindOptions: struct('mount.BindOptions', {
    Propagation: str('mount.Propagation'),
    NonRecursive: bool,
    CreateMountpoint: bool,
  }),
  VolumeOptions: struct('mount.VolumeOptions', {
    NoCopy: bool,
    Labels: labels,
    DriverConfig: driver('mount.Driver'),
    Subpath: str(),
  }),
  TmpfsOptions: struct('mount.TmpfsOptions', { SizeBytes: i64(), Mode: fileMode, Options: arr(strings) }),
});

const containerSpec = struct('swarm.ContainerSpec', {
  Image: str(),
  Labels: labels,
  Command: strings,
  Args: strings,
  Hostname: str(),
  Env: strings,
  Dir: str(),
  User: str(),
  Groups: strings,
  Privileges: struct('swarm.Privileges', {
    CredentialSpec: struct('swarm.CredentialSpec', { Config: str(), File: str(), Registry: str() }),
  }),
  Init: bool,
  StopSignal: str(),
  TTY: bool,
  OpenStdin: bool,
  ReadOnly: bool,
  Mounts: arr(mount),
  StopGracePeriod: duration,
  HealthCheck: struct('container.HealthConfig', {
    Test: strings,
    Interval: duration,
    Timeout: duration,
    StartPeriod: duration,
    StartInterval: duration,
    Retries: i64('int'),
  }),
  Hosts: strings,
  DNSConfig: struct('swarm.DNSConfig', { Nameservers: strings, Search: strings, Options: strings }),
  Secrets: arr(
    struct('swarm.SecretReference', {
      File: fileTarget('swarm.SecretReferenceFileTarget'),
      SecretID: str(),
      SecretName: str(),
    }),
    '[]*swarm.SecretReference',
  ),
  Configs: arr(
    struct('swarm.ConfigReference', {
      File: fileTarget('swarm.ConfigReferenceFileTarget'),
      Runtime: struct('swarm.ConfigReferenceRuntimeTarget', {}),
      ConfigID: str(),
      ConfigName: str(),
    }),
    '[]*swarm.ConfigReference',
  ),
  Isolation: str('container.Isolation'),
  Sysctls: labels,
  CapabilityAdd: strings,
  CapabilityDrop: strings,
  Ulimits: arr(struct('units.Ulimit', { Name: str(), Soft: i64(), Hard: i64() }), '[]*units.Ulimit'),
  OomScoreAdj: i64('int64'),
});

const genericResources = arr(
  struct('swarm.GenericResource', {
    NamedResourceSpec: struct('swarm.NamedGenericResource', { Kind: str(), Value: str() }),
    DiscreteResourceSpec: struct('swarm.DiscreteGenericResource', { Kind: str(), Value: i64() }),
  }),
);

const networkAttachment = struct('swarm.NetworkAttachmentConfig', {
  Target: str(),
  Aliases: strings,
  DriverOpts: labels,
});

const taskSpec = struct('swarm.TaskSpec', {
  ContainerSpec: containerSpec,
  Resources: struct('swarm.ResourceRequirements', {
    Limits: struct('swarm.Limit', { NanoCPUs: i64(), MemoryBytes: i64(), Pids: i64() }),
    Reservations: struct('swarm.Resources', {
      NanoCPUs: i64(),
      MemoryBytes: i64(),
      GenericResources: genericResources,
    }),
  }),
  RestartPolicy: struct('swarm.RestartPolicy', {
    Condition: str('swarm.RestartPolicyCondition'),
    Delay: duration,
    MaxAttempts: u64(),
    Window: duration,
  }),
  Placement: struct('swarm.Placement', {
    Constraints: strings,
    Preferences: arr(
      struct('swarm.PlacementPreference', {
        Spread: struct('swarm.SpreadOver', { SpreadDescriptor: str() }),
      }),
    ),
    MaxReplicas: u64(),
    Platforms: arr(struct('swarm.Platform', { Architecture: str(), OS: str() })),
  }),
  ForceUpdate: u64(),
  Runtime: str('swarm.RuntimeType'),
  Networks: arr(networkAttachment),
  LogDriver: driver('swarm.Driver'),
});

const updateConfig = struct('swarm.UpdateConfig', {
  Parallelism: u64(),
  Delay: duration,
  FailureAction: str(),
  Monitor: duration,
  MaxFailureRatio: f32,
  Order: str(),
});

export const SERVICE_SPEC = struct('swarm.ServiceSpec', {
  Name: str(),
  Labels: labels,
  TaskTemplate: taskSpec,
  // These three are uint64 in Go, so Docker's decoder already refuses a negative count. Shoal
  // lets negatives through to swarmkit's own, clearer messages ("Number of replicas must be
  // non-negative"); non-integers are still refused here.
  Mode: struct('swarm.ServiceMode', {
    Replicated: struct('swarm.ReplicatedService', { Replicas: i64('uint64') }),
    Global: struct('swarm.GlobalService', {}),
    ReplicatedJob: struct('swarm.ReplicatedJob', {
      MaxConcurrent: i64('uint64'),
      TotalCompletions: i64('uint64'),
    }),
    GlobalJob: struct('swarm.GlobalJob', {}),
  }),
  UpdateConfig: updateConfig,
  RollbackConfig: updateConfig,
  Networks: arr(networkAttachment),
  EndpointSpec: struct('swarm.EndpointSpec', {
    Mode: str('swarm.ResolutionMode'),
    Ports: arr(
      struct('swarm.PortConfig', {
        Name: str(),
        Protocol: str('swarm.PortConfigProtocol'),
        TargetPort: u32(),
        PublishedPort: u32(),
        PublishMode: str('swarm.PortConfigPublishMode'),
      }),
    ),
  }),
});

export const NODE_SPEC = struct('swarm.NodeSpec', {
  Name: str(),
  Labels: labels,
  Role: str('swarm.NodeRole'),
  Availability: str('swarm.NodeAvailability'),
});

export const SWARM_SPEC = struct('swarm.Spec', {
  Name: str(),
  Labels: labels,
  Orchestration: struct('swarm.OrchestrationConfig', { TaskHistoryRetentionLimit: i64() }),
  Raft: struct('swarm.RaftConfig', {
    SnapshotInterval: u64(),
    KeepOldSnapshots: u64(),
    LogEntriesForSlowFollowers: u64(),
    ElectionTick: i64('int'),
    HeartbeatTick: i64('int'),
  }),
  Dispatcher: struct('swarm.DispatcherConfig', { HeartbeatPeriod: duration }),
  CAConfig: struct('swarm.CAConfig', {
    NodeCertExpiry: duration,
    ExternalCAs: arr(
      struct('swarm.ExternalCA', { Protocol: str('swarm.ExternalCAProtocol'), URL: str(), Options: labels }),
      '[]*swarm.ExternalCA',
    ),
    SigningCACert: str(),
    SigningCAKey: str(),
    ForceRotate: u64(),
  }),
  EncryptionConfig: struct('swarm.EncryptionConfig', { AutoLockManagers: bool }),
  TaskDefaults: struct('swarm.TaskDefaults', { LogDriver: driver('swarm.Driver') }),
});

const ipamConfig = struct('network.IPAMConfig', { Subnet: str(), IPRange: str(), Gateway: str() });

export const NETWORK_SPEC = struct('swarm.NetworkSpec', {
  Name: str(),
  Labels: labels,
  DriverConfiguration: driver('swarm.Driver'),
  IPv6Enabled: bool,
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  IPAMOptions: struct('swarm.IPAMOptions', { Driver: driver('swarm.Driver'), Configs: arr(ipamConfig) }),
  Scope: str(),
});

const templating = driver('swarm.Driver');

export const SECRET_SPEC = struct('swarm.SecretSpec', {
  Name: str(),
  Labels: labels,
  Data: bytes,
  Driver: driver('swarm.Driver'),
  Templating: templating,
});

export const CONFIG_SPEC = struct('swarm.ConfigSpec', {
  Name: str(),
  Labels: labels,
  Data: bytes,
  Templating: templating,
});
