/**
 * One compose service as a swarm ServiceSpec, field for field as `docker stack deploy`
 * converts it (see docs/design/compose.md for the table). Secret and config references
 * carry names only; deploy.ts fills in their IDs once they exist.
 */
import type { Labels } from '../api/meta.ts';
import type { PortConfig, ServiceMode, ServiceSpec, UpdateConfig } from '../api/service.ts';
import type {
  ConfigReference,
  ContainerSpec,
  HealthConfig,
  NetworkAttachmentConfig,
  ResourceRequirements,
  RestartPolicy,
  SecretReference,
} from '../api/task-spec.ts';
import { convertMount } from './mounts.ts';
import { LABEL_IMAGE, scoped, withStackLabel } from './namespace.ts';
import {
  type ComposeConfig,
  ComposeError,
  type UpdateConfig as ComposeUpdateConfig,
  type FileObjectConfig,
  type FileReference,
  type ResourceSpec,
  type ServiceConfig,
} from './types.ts';
import { parseCpus } from './units.ts';

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

function mode(s: ServiceConfig): ServiceMode {
  const replicas = s.deploy?.replicas;
  const m = s.deploy?.mode ?? '';
  const noReplicas = () => {
    if (replicas !== undefined)
      throw new ComposeError('replicas can only be used with replicated or replicated-job mode');
  };
  switch (m) {
    case 'global':
      noReplicas();
      return { Global: {} };
    case 'global-job':
      noReplicas();
      return { GlobalJob: {} };
    case 'replicated-job':
      return {
        ReplicatedJob: replicas === undefined ? {} : { MaxConcurrent: replicas, TotalCompletions: replicas },
      };
    case 'replicated':
    case '':
      return { Replicated: replicas === undefined ? {} : { Replicas: replicas } };
    default:
      throw new ComposeError(`unknown mode: ${m}`);
  }
}

function updateConfig(u: ComposeUpdateConfig | undefined): UpdateConfig | undefined {
  if (u === undefined) return undefined;
  const out: UpdateConfig = { Parallelism: u.parallelism ?? 1 };
  if (u.delay) out.Delay = u.delay;
  if (u.failure_action) out.FailureAction = u.failure_action as UpdateConfig['FailureAction'];
  if (u.monitor) out.Monitor = u.monitor;
  if (u.max_failure_ratio) out.MaxFailureRatio = u.max_failure_ratio;
  if (u.order) out.Order = u.order as UpdateConfig['Order'];
  return out;
}

function resources(
  r: { limits?: ResourceSpec; reservations?: ResourceSpec } | undefined,
): ResourceRequirements {
  const out: ResourceRequirements = {};
  const set = (x: ResourceSpec) => ({
    ...(x.cpus ? { NanoCPUs: parseCpus(x.cpus) } : {}),
    ...(x.memory ? { MemoryBytes: x.memory } : {}),
  });
  if (r?.limits) out.Limits = { ...set(r.limits), ...(r.limits.pids ? { Pids: r.limits.pids } : {}) };
  if (r?.reservations) {
    const generic = (r.reservations.generic_resources ?? []).map((g) =>
      g.discrete_resource_spec
        ? {
            DiscreteResourceSpec: {
              Kind: g.discrete_resource_spec.kind ?? '',
              Value: g.discrete_resource_spec.value ?? 0,
            },
          }
        : {},
    );
    out.Reservations = {
      ...set(r.reservations),
      ...(generic.length > 0 ? { GenericResources: generic } : {}),
    };
  }
  return out;
}

/** deploy.restart_policy, else the legacy `restart:` (no -> none, always/unless-stopped -> any). */
function restartPolicy(s: ServiceConfig): RestartPolicy | undefined {
  const p = s.deploy?.restart_policy;
  if (p !== undefined) {
    const out: RestartPolicy = {};
    if (p.condition) out.Condition = p.condition as RestartPolicy['Condition'];
    if (p.delay !== undefined) out.Delay = p.delay;
    if (p.max_attempts !== undefined) out.MaxAttempts = p.max_attempts;
    if (p.window !== undefined) out.Window = p.window;
    return out;
  }
  if (!s.restart) return undefined;
  const [name = '', count] = s.restart.split(':');
  const attempts = count === undefined ? 0 : Number(count);
  const max = attempts > 0 ? { MaxAttempts: attempts } : {};
  switch (name) {
    case 'no':
      return undefined;
    case 'always':
    case 'unless-stopped':
      return { Condition: 'any', ...max };
    case 'on-failure':
      return { Condition: 'on-failure', ...max };
    default:
      throw new ComposeError(
        `invalid restart policy: unknown policy '${name}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')`,
      );
  }
}

function healthcheck(s: ServiceConfig): HealthConfig | undefined {
  const h = s.healthcheck;
  if (h === undefined) return undefined;
  if (h.disable) {
    if ((h.test?.length ?? 0) > 0) throw new ComposeError("test and disable can't be set at the same time");
    return { Test: ['NONE'] };
  }
  const out: HealthConfig = {};
  if (h.test !== undefined) out.Test = h.test;
  if (h.interval) out.Interval = h.interval;
  if (h.timeout) out.Timeout = h.timeout;
  if (h.retries) out.Retries = h.retries;
  if (h.start_period) out.StartPeriod = h.start_period;
  if (h.start_interval) out.StartInterval = h.start_interval;
  return out;
}

const NOT_USER_DEFINED = new Set(['default', 'bridge', 'host', 'none']);
const userDefined = (n: string) => !NOT_USER_DEFINED.has(n) && !n.startsWith('container:');

function networks(stack: string, s: ServiceConfig, config: ComposeConfig): NetworkAttachmentConfig[] {
  const wanted = Object.keys(s.networks ?? {}).length > 0 ? (s.networks ?? {}) : { default: null };
  return Object.entries(wanted)
    .map(([key, attach]) => {
      const top = config.networks[key];
      if (top === undefined && key !== 'default') throw new ComposeError(`undefined network "${key}"`);
      const target = top?.name || scoped(stack, key);
      const aliases = [...(attach?.aliases ?? []), ...(userDefined(target) ? [s.name] : [])];
      const out: NetworkAttachmentConfig = { Target: target };
      if (aliases.length > 0) out.Aliases = aliases;
      if (attach?.driver_opts) out.DriverOpts = attach.driver_opts;
      return out;
    })
    .sort(byKey((n) => n.Target));
}

function fileRef(
  stack: string,
  kind: 'secret' | 'config',
  r: FileReference,
  objects: Record<string, FileObjectConfig>,
): { name: string; file: { Name: string; UID: string; GID: string; Mode: number } } {
  const o = objects[r.source];
  if (o === undefined) throw new ComposeError(`undefined ${kind} "${r.source}"`);
  return {
    name: o.name || scoped(stack, r.source),
    file: { Name: r.target || r.source, UID: r.uid || '0', GID: r.gid || '0', Mode: r.mode ?? 0o444 },
  };
}

function capabilities(add: string[] = [], drop: string[] = []): [string[], string[]] {
  const norm = (caps: string[]) => {
    const set = new Set(
      caps.map((c) => {
        const u = c.trim().toUpperCase();
        return u === 'ALL' || u.startsWith('CAP_') ? u : `CAP_${u}`;
      }),
    );
    return set.has('ALL') ? ['ALL'] : [...set].sort();
  };
  const a = norm(add);
  const d = norm(drop).filter((c) => !a.includes(c));
  return [a, d];
}

function ports(s: ServiceConfig): PortConfig[] {
  return (s.ports ?? [])
    .map((p) => {
      const out: PortConfig = { TargetPort: p.target };
      if (p.protocol) out.Protocol = p.protocol as PortConfig['Protocol'];
      if (p.published) out.PublishedPort = p.published;
      if (p.mode) out.PublishMode = p.mode as PortConfig['PublishMode'];
      return out;
    })
    .sort(
      (a, b) =>
        (a.PublishedPort ?? 0) - (b.PublishedPort ?? 0) ||
        a.TargetPort - b.TargetPort ||
        (a.Protocol ?? '').localeCompare(b.Protocol ?? ''),
    );
}

function environment(env: Record<string, string | null> | undefined): string[] | undefined {
  if (env === undefined) return undefined;
  return Object.entries(env)
    .map(([k, v]) => (v === null ? k : `${k}=${v}`))
    .sort();
}

function container(stack: string, s: ServiceConfig, config: ComposeConfig): ContainerSpec {
  const c: ContainerSpec = { Image: s.image ?? '', Labels: withStackLabel(stack, s.labels) };
  if (s.entrypoint?.length) c.Command = s.entrypoint;
  if (s.command?.length) c.Args = s.command;
  if (s.hostname) c.Hostname = s.hostname;
  const env = environment(s.environment);
  if (env?.length) c.Env = env;
  if (s.working_dir) c.Dir = s.working_dir;
  if (s.user) c.User = s.user;
  const hosts = (s.extra_hosts ?? []).flatMap((h) => {
    const i = h.search(/[:=]/);
    return i < 0 ? [] : [`${h.slice(i + 1)} ${h.slice(0, i)}`];
  });
  if (hosts.length > 0) c.Hosts = hosts;
  if (s.dns?.length || s.dns_search?.length) {
    c.DNSConfig = {
      ...(s.dns?.length ? { Nameservers: s.dns } : {}),
      ...(s.dns_search?.length ? { Search: s.dns_search } : {}),
    };
  }
  const health = healthcheck(s);
  if (health) c.HealthCheck = health;
  const mounts = (s.volumes ?? []).map((v) => convertMount(stack, v, config.volumes));
  if (mounts.length > 0) c.Mounts = mounts;
  if (s.stop_grace_period !== undefined) c.StopGracePeriod = s.stop_grace_period;
  if (s.stop_signal) c.StopSignal = s.stop_signal;
  if (s.tty) c.TTY = true;
  if (s.stdin_open) c.OpenStdin = true;
  if (s.read_only) c.ReadOnly = true;
  if (s.isolation) c.Isolation = s.isolation;
  if (s.init !== undefined) c.Init = s.init;
  if (s.sysctls && Object.keys(s.sysctls).length > 0) c.Sysctls = s.sysctls;
  const [add, drop] = capabilities(s.cap_add, s.cap_drop);
  if (add.length > 0) c.CapabilityAdd = add;
  if (drop.length > 0) c.CapabilityDrop = drop;
  const ulimits = Object.entries(s.ulimits ?? {})
    .map(([Name, u]) => ({ Name, Soft: u.single ?? u.soft ?? 0, Hard: u.single ?? u.hard ?? 0 }))
    .sort(byKey((u) => u.Name));
  if (ulimits.length > 0) c.Ulimits = ulimits;
  if (s.oom_score_adj) c.OomScoreAdj = s.oom_score_adj;
  const secrets: SecretReference[] = (s.secrets ?? []).map((r) => {
    const { name, file } = fileRef(stack, 'secret', r, config.secrets);
    return { File: file, SecretID: '', SecretName: name };
  });
  if (secrets.length > 0) c.Secrets = secrets.sort(byKey((x) => x.SecretName));
  const configs: ConfigReference[] = (s.configs ?? []).map((r) => {
    const { name, file } = fileRef(stack, 'config', r, config.configs);
    return { File: file, ConfigID: '', ConfigName: name };
  });
  if (configs.length > 0) c.Configs = configs.sort(byKey((x) => x.ConfigName));
  return c;
}

export function convertService(stack: string, s: ServiceConfig, config: ComposeConfig): ServiceSpec {
  try {
    const labels: Labels = { ...withStackLabel(stack, s.deploy?.labels), [LABEL_IMAGE]: s.image ?? '' };
    const d = s.deploy;
    const placement = {
      ...(d?.placement?.constraints?.length ? { Constraints: d.placement.constraints } : {}),
      ...(d?.placement?.preferences?.length
        ? {
            Preferences: d.placement.preferences.map((p) => ({
              Spread: { SpreadDescriptor: p.spread ?? '' },
            })),
          }
        : {}),
      ...(d?.placement?.max_replicas_per_node ? { MaxReplicas: d.placement.max_replicas_per_node } : {}),
    };
    const spec: ServiceSpec = {
      Name: scoped(stack, s.name),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: container(stack, s, config),
        Resources: resources(d?.resources),
        Placement: placement,
        Networks: networks(stack, s, config),
      },
      Mode: mode(s),
      EndpointSpec: {
        ...(d?.endpoint_mode ? { Mode: d.endpoint_mode.toLowerCase() as 'vip' | 'dnsrr' } : {}),
        Ports: ports(s),
      },
    };
    const restart = restartPolicy(s);
    if (restart) spec.TaskTemplate.RestartPolicy = restart;
    if (s.logging) {
      spec.TaskTemplate.LogDriver = {
        Name: s.logging.driver ?? '',
        ...(s.logging.options ? { Options: s.logging.options } : {}),
      };
    }
    const update = updateConfig(d?.update_config);
    if (update) spec.UpdateConfig = update;
    const rollback = updateConfig(d?.rollback_config);
    if (rollback) spec.RollbackConfig = rollback;
    return spec;
  } catch (e) {
    if (e instanceof ComposeError) throw new ComposeError(`service ${s.name}: ${e.message}`);
    throw e;
  }
}
