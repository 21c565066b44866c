/**
 * TaskSpec: what one task runs and how, as in the Engine API's TaskSpec. A service's spec
 * holds a template; each task keeps a copy of the template it was created from.
 */
import type { Labels, Nanoseconds } from './meta.ts';

export interface Mount {
  Type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Labels;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
    Subpath?: string;
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

export interface HealthConfig {
  /** ["NONE"], ["CMD", args...], ["CMD-SHELL", command] (empty: inherit the image's). */
  Test?: string[];
  Interval?: Nanoseconds;
  Timeout?: Nanoseconds;
  Retries?: number;
  StartPeriod?: Nanoseconds;
  StartInterval?: Nanoseconds;
}

export interface SecretReference {
  File?: { Name: string; UID: string; GID: string; Mode: number };
  SecretID: string;
  SecretName: string;
}

export interface ConfigReference {
  File?: { Name: string; UID: string; GID: string; Mode: number };
  Runtime?: Record<string, never>;
  ConfigID: string;
  ConfigName: string;
}

export interface ContainerSpec {
  Image: string;
  Labels?: Labels;
  Command?: string[];
  Args?: string[];
  Hostname?: string;
  Env?: string[];
  Dir?: string;
  User?: string;
  Groups?: string[];
  Privileges?: Record<string, unknown>;
  TTY?: boolean;
  OpenStdin?: boolean;
  ReadOnly?: boolean;
  Mounts?: Mount[];
  StopSignal?: string;
  StopGracePeriod?: Nanoseconds;
  HealthCheck?: HealthConfig;
  Hosts?: string[];
  DNSConfig?: { Nameservers?: string[]; Search?: string[]; Options?: string[] };
  Secrets?: SecretReference[];
  Configs?: ConfigReference[];
  OomScoreAdj?: number;
  Isolation?: string;
  Init?: boolean | null;
  Sysctls?: Record<string, string>;
  CapabilityAdd?: string[];
  CapabilityDrop?: string[];
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
}

export interface GenericResource {
  NamedResourceSpec?: { Kind: string; Value: string };
  DiscreteResourceSpec?: { Kind: string; Value: number };
}

export interface ResourceSet {
  /** CPU in units of 10^-9 CPUs. */
  NanoCPUs?: number;
  MemoryBytes?: number;
  Pids?: number;
  GenericResources?: GenericResource[];
}

export interface ResourceRequirements {
  Limits?: ResourceSet;
  Reservations?: ResourceSet;
}

export type RestartCondition = 'none' | 'on-failure' | 'any';

export interface RestartPolicy {
  Condition?: RestartCondition;
  Delay?: Nanoseconds;
  /** 0: unlimited. */
  MaxAttempts?: number;
  /** 0: unbounded. */
  Window?: Nanoseconds;
}

export interface Platform {
  Architecture?: string;
  OS?: string;
}

export interface Placement {
  /** e.g. `node.role==manager`, `node.labels.zone!=east`. */
  Constraints?: string[];
  Preferences?: Array<{ Spread?: { SpreadDescriptor: string } }>;
  /** 0: unlimited. */
  MaxReplicas?: number;
  Platforms?: Platform[];
}

export interface NetworkAttachmentConfig {
  Target: string;
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
}

export interface LogDriver {
  Name: string;
  Options?: Record<string, string>;
}

export interface TaskSpec {
  ContainerSpec?: ContainerSpec;
  Resources?: ResourceRequirements;
  RestartPolicy?: RestartPolicy;
  Placement?: Placement;
  /** Bumped by `service update --force` to redeploy with an unchanged spec. */
  ForceUpdate?: number;
  Runtime?: string;
  Networks?: NetworkAttachmentConfig[];
  LogDriver?: LogDriver;
}
