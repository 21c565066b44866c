/**
 * The compose model after loading: interpolated, validated, short syntaxes expanded to
 * their long forms, paths made absolute, env files folded into `environment`. One model
 * per file; `merge.ts` folds several into one; `convert.ts` turns it into Engine specs.
 * Durations are nanoseconds and sizes bytes already.
 */
import { ShoalError } from '../base/errors.ts';

/** A compose file is wrong (syntax, schema, interpolation, references): Docker's words. */
export class ComposeError extends ShoalError {
  constructor(message: string) {
    super('invalid_argument', message);
  }
}

export interface External {
  external: boolean;
}

export interface PortConfig {
  mode?: string;
  target: number;
  published?: number;
  protocol?: string;
}

export interface VolumeMount {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string };
  volume?: { nocopy?: boolean };
  tmpfs?: { size?: number };
}

export interface FileReference {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  mode?: number;
}

export interface UpdateConfig {
  parallelism?: number;
  delay?: number;
  failure_action?: string;
  monitor?: number;
  max_failure_ratio?: number;
  order?: string;
}

export interface ResourceSpec {
  cpus?: string;
  memory?: number;
  pids?: number;
  generic_resources?: Array<{ discrete_resource_spec?: { kind?: string; value?: number } }>;
}

export interface DeployConfig {
  mode?: string;
  replicas?: number;
  labels?: Record<string, string>;
  update_config?: UpdateConfig;
  rollback_config?: UpdateConfig;
  resources?: { limits?: ResourceSpec; reservations?: ResourceSpec };
  restart_policy?: { condition?: string; delay?: number; max_attempts?: number; window?: number };
  placement?: {
    constraints?: string[];
    preferences?: Array<{ spread?: string }>;
    max_replicas_per_node?: number;
  };
  endpoint_mode?: string;
}

export interface HealthcheckConfig {
  test?: string[];
  interval?: number;
  timeout?: number;
  retries?: number;
  start_period?: number;
  start_interval?: number;
  disable?: boolean;
}

export interface ServiceNetwork {
  aliases?: string[];
  driver_opts?: Record<string, string>;
}

export interface ServiceConfig {
  name: string;
  image?: string;
  command?: string[];
  entrypoint?: string[];
  /** A null value: the name alone (`KEY`), passed through as Docker does. */
  environment?: Record<string, string | null>;
  labels?: Record<string, string>;
  deploy?: DeployConfig;
  ports?: PortConfig[];
  volumes?: VolumeMount[];
  networks?: Record<string, ServiceNetwork | null>;
  secrets?: FileReference[];
  configs?: FileReference[];
  healthcheck?: HealthcheckConfig;
  hostname?: string;
  user?: string;
  working_dir?: string;
  stop_grace_period?: number;
  stop_signal?: string;
  /** `host:ip` entries, in the file's order. */
  extra_hosts?: string[];
  dns?: string[];
  dns_search?: string[];
  cap_add?: string[];
  cap_drop?: string[];
  sysctls?: Record<string, string>;
  ulimits?: Record<string, { single?: number; soft?: number; hard?: number }>;
  init?: boolean;
  read_only?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  tmpfs?: string[];
  logging?: { driver?: string; options?: Record<string, string> };
  isolation?: string;
  oom_score_adj?: number;
  restart?: string;
}

export interface NetworkConfig {
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: { driver?: string; config?: Array<{ subnet?: string }> };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  labels?: Record<string, string>;
}

export interface VolumeConfig {
  name?: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
}

export interface FileObjectConfig {
  name?: string;
  /** Absolute path. */
  file?: string;
  external?: boolean;
  labels?: Record<string, string>;
  driver?: string;
  driver_opts?: Record<string, string>;
  template_driver?: string;
}

export interface ComposeConfig {
  version: string;
  /** Sorted by name. */
  services: ServiceConfig[];
  networks: Record<string, NetworkConfig>;
  volumes: Record<string, VolumeConfig>;
  secrets: Record<string, FileObjectConfig>;
  configs: Record<string, FileObjectConfig>;
}
