/**
 * Flags -> ServiceSpec, pure. `createSpec` starts from what the docker CLI sends for a bare
 * `service create IMAGE` (full update and rollback configs, endpoint mode vip) and applies
 * the flags; `updateSpec` applies the same setters plus the -add/-rm lists to a copy of
 * the current spec. Names of secrets, configs and networks are resolved to ids later
 * (references.ts), since that needs the daemon.
 */
import type {
  ContainerSpec,
  HealthConfig,
  Mount,
  PortConfig,
  ServiceSpec,
  TaskSpec,
  UpdateConfig,
} from '../../api/index.ts';
import type { ServiceFlags } from './flags.ts';
import {
  normalizeImage,
  parseEnv,
  parseFileRef,
  parseLabels,
  parseMount,
  parseNetwork,
  parsePlacementPref,
  parsePublish,
  shellSplit,
} from './parse.ts';

const DEFAULT_UPDATE: UpdateConfig = {
  Parallelism: 1,
  FailureAction: 'pause',
  Monitor: 5e9,
  MaxFailureRatio: 0,
  Order: 'stop-first',
};

type Env = NodeJS.ProcessEnv;

function container(t: TaskSpec): ContainerSpec {
  t.ContainerSpec ??= { Image: '' };
  return t.ContainerSpec;
}

function envKey(e: string): string {
  const i = e.indexOf('=');
  return i < 0 ? e : e.slice(0, i);
}

/** Adds (replacing same-key entries) and removes `KEY=value` entries. */
function mergeEnv(list: string[] | undefined, add: string[], rm: string[], env: Env): string[] {
  const adds = add.map((a) => parseEnv(a, env));
  const drop = new Set([...rm, ...adds].map(envKey));
  return [...(list ?? []).filter((e) => !drop.has(envKey(e))), ...adds];
}

function mergeLabels(
  labels: Record<string, string> | undefined,
  add: string[],
  rm: string[],
): Record<string, string> {
  const out = { ...(labels ?? {}) };
  for (const k of rm) delete out[k];
  return { ...out, ...parseLabels(add) };
}

function mergeList(list: string[] | undefined, add: string[], rm: string[]): string[] {
  const out = (list ?? []).filter((x) => !rm.includes(x));
  for (const a of add) if (!out.includes(a)) out.push(a);
  return out;
}

function portKey(p: PortConfig): string {
  return `${p.TargetPort}/${p.Protocol ?? 'tcp'}`;
}

function mergePorts(ports: PortConfig[] | undefined, add: string[], rm: string[]): PortConfig[] {
  const adds = add.flatMap(parsePublish);
  const removeKeys = new Set(
    rm.flatMap((r) => {
      const bare = /^(\d+)(?:\/(\w+))?$/.exec(r);
      return bare ? [`${bare[1]}/${bare[2] ?? 'tcp'}`] : parsePublish(r).map(portKey);
    }),
  );
  const taken = new Set(adds.filter((p) => p.PublishedPort).map((p) => `${p.PublishedPort}/${p.Protocol}`));
  const kept = (ports ?? []).filter(
    (p) =>
      !removeKeys.has(portKey(p)) &&
      !(p.PublishedPort && taken.has(`${p.PublishedPort}/${p.Protocol ?? 'tcp'}`)),
  );
  return [
    ...kept,
    ...adds.filter(
      (a) => !kept.some((k) => portKey(k) === portKey(a) && k.PublishedPort === a.PublishedPort),
    ),
  ];
}

function mergeMounts(mounts: Mount[] | undefined, add: string[], rm: string[]): Mount[] {
  const adds = add.map(parseMount);
  const drop = new Set([...rm, ...adds.map((m) => m.Target)]);
  return [...(mounts ?? []).filter((m) => !drop.has(m.Target)), ...adds];
}

function setIf<T, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

function applyUpdateConfig(
  cur: UpdateConfig | undefined,
  f: {
    parallelism?: number | undefined;
    delay?: number | undefined;
    failureAction?: string | undefined;
    monitor?: number | undefined;
    maxFailureRatio?: number | undefined;
    order?: string | undefined;
  },
): UpdateConfig {
  const u: UpdateConfig = { ...DEFAULT_UPDATE, ...(cur ?? {}) };
  setIf(u, 'Parallelism', f.parallelism);
  setIf(u, 'Delay', f.delay);
  setIf(u, 'FailureAction', f.failureAction as UpdateConfig['FailureAction']);
  setIf(u, 'Monitor', f.monitor);
  setIf(u, 'MaxFailureRatio', f.maxFailureRatio);
  setIf(u, 'Order', f.order as UpdateConfig['Order']);
  return u;
}

function applyHealth(c: ContainerSpec, f: ServiceFlags): void {
  const any =
    f.healthCmd !== undefined ||
    f.healthInterval !== undefined ||
    f.healthRetries !== undefined ||
    f.healthTimeout !== undefined ||
    f.healthStartPeriod !== undefined ||
    f.healthStartInterval !== undefined;
  if (f.healthcheck === false) {
    if (any) throw new Error('--no-healthcheck conflicts with --health-* options');
    c.HealthCheck = { Test: ['NONE'] };
    return;
  }
  if (!any) return;
  const h: HealthConfig = { ...(c.HealthCheck ?? (c as { Healthcheck?: HealthConfig }).Healthcheck ?? {}) };
  if (h.Test?.[0] === 'NONE') delete h.Test;
  if (f.healthCmd !== undefined) h.Test = f.healthCmd === '' ? [] : ['CMD-SHELL', f.healthCmd];
  setIf(h, 'Interval', f.healthInterval);
  setIf(h, 'Timeout', f.healthTimeout);
  setIf(h, 'Retries', f.healthRetries);
  setIf(h, 'StartPeriod', f.healthStartPeriod);
  setIf(h, 'StartInterval', f.healthStartInterval);
  delete (c as { Healthcheck?: HealthConfig }).Healthcheck;
  c.HealthCheck = h;
}

interface Lists {
  env: [string[], string[]];
  label: [string[], string[]];
  containerLabel: [string[], string[]];
  constraint: [string[], string[]];
  placementPref: [string[], string[]];
  publish: [string[], string[]];
  secret: [string[], string[]];
  config: [string[], string[]];
  mount: [string[], string[]];
  network: [string[], string[]];
  dns: [string[], string[]];
  group: [string[], string[]];
  sysctl: [string[], string[]];
}

function lists(f: ServiceFlags, update: boolean): Lists {
  const pair = (plain?: string[], add?: string[], rm?: string[]): [string[], string[]] =>
    update ? [add ?? [], rm ?? []] : [plain ?? [], []];
  return {
    env: pair(f.env, f.envAdd, f.envRm),
    label: pair(f.label, f.labelAdd, f.labelRm),
    containerLabel: pair(f.containerLabel, f.containerLabelAdd, f.containerLabelRm),
    constraint: pair(f.constraint, f.constraintAdd, f.constraintRm),
    placementPref: pair(f.placementPref, f.placementPrefAdd, f.placementPrefRm),
    publish: pair(f.publish, f.publishAdd, f.publishRm),
    secret: pair(f.secret, f.secretAdd, f.secretRm),
    config: pair(f.config, f.configAdd, f.configRm),
    mount: pair(f.mount, f.mountAdd, f.mountRm),
    network: pair(f.network, f.networkAdd, f.networkRm),
    dns: pair(f.dns, f.dnsAdd, f.dnsRm),
    group: pair(f.group, f.groupAdd, f.groupRm),
    sysctl: pair(f.sysctl, f.sysctlAdd, f.sysctlRm),
  };
}

function changed(p: [string[], string[]]): boolean {
  return p[0].length > 0 || p[1].length > 0;
}

function applyMode(s: ServiceSpec, f: ServiceFlags): void {
  const m = s.Mode ?? {};
  if (f.replicas !== undefined) {
    if (m.Replicated) m.Replicated = { ...m.Replicated, Replicas: f.replicas };
    else if (m.ReplicatedJob) m.ReplicatedJob = { ...m.ReplicatedJob, TotalCompletions: f.replicas };
    else throw new Error('replicas can only be used with replicated or replicated-job mode');
  }
  if (f.maxConcurrent !== undefined) {
    if (!m.ReplicatedJob) throw new Error('max-concurrent can only be used with replicated-job mode');
    m.ReplicatedJob = { ...m.ReplicatedJob, MaxConcurrent: f.maxConcurrent };
  }
}

/** The setters and lists both commands share. */
function apply(s: ServiceSpec, f: ServiceFlags, env: Env, update: boolean): ServiceSpec {
  const t = s.TaskTemplate;
  const c = container(t);
  const l = lists(f, update);
  applyMode(s, f);

  if (f.image !== undefined) c.Image = normalizeImage(f.image);
  if (f.args !== undefined) c.Args = shellSplit(f.args);
  if (f.entrypoint !== undefined) c.Command = shellSplit(f.entrypoint);
  setIf(c, 'Hostname', f.hostname);
  setIf(c, 'Dir', f.workdir);
  setIf(c, 'User', f.user);
  setIf(c, 'StopSignal', f.stopSignal);
  setIf(c, 'StopGracePeriod', f.stopGracePeriod);
  setIf(c, 'Init', f.init);
  setIf(c, 'ReadOnly', f.readOnly);
  setIf(c, 'TTY', f.tty);
  if (f.capAdd) c.CapabilityAdd = mergeList(c.CapabilityAdd, f.capAdd, []);
  if (f.capDrop) c.CapabilityDrop = mergeList(c.CapabilityDrop, f.capDrop, []);
  if (changed(l.env)) c.Env = mergeEnv(c.Env, ...l.env, env);
  if (changed(l.containerLabel)) c.Labels = mergeLabels(c.Labels, ...l.containerLabel);
  if (changed(l.mount)) c.Mounts = mergeMounts(c.Mounts, ...l.mount);
  if (changed(l.group)) c.Groups = mergeList(c.Groups, ...l.group);
  if (changed(l.sysctl)) {
    const out = { ...(c.Sysctls ?? {}) };
    for (const k of l.sysctl[1]) delete out[k];
    c.Sysctls = { ...out, ...parseLabels(l.sysctl[0]) };
  }
  if (changed(l.dns))
    c.DNSConfig = { ...c.DNSConfig, Nameservers: mergeList(c.DNSConfig?.Nameservers, ...l.dns) };
  if (changed(l.secret)) {
    const adds = l.secret[0].map(parseFileRef);
    const drop = new Set([...l.secret[1], ...adds.map((a) => a.source)]);
    c.Secrets = [
      ...(c.Secrets ?? []).filter((x) => !drop.has(x.SecretName) && !drop.has(x.SecretID)),
      ...adds.map((a) => ({
        File: { Name: a.target, UID: a.uid, GID: a.gid, Mode: a.mode },
        SecretID: '',
        SecretName: a.source,
      })),
    ];
  }
  if (changed(l.config)) {
    const adds = l.config[0].map(parseFileRef);
    const drop = new Set([...l.config[1], ...adds.map((a) => a.source)]);
    c.Configs = [
      ...(c.Configs ?? []).filter((x) => !drop.has(x.ConfigName) && !drop.has(x.ConfigID)),
      ...adds.map((a) => ({
        File: { Name: a.target, UID: a.uid, GID: a.gid, Mode: a.mode },
        ConfigID: '',
        ConfigName: a.source,
      })),
    ];
  }
  applyHealth(c, f);

  t.Resources ??= {};
  const res = t.Resources;
  if (f.reserveCpu !== undefined || f.reserveMemory !== undefined) {
    res.Reservations = { ...res.Reservations };
    setIf(res.Reservations, 'NanoCPUs', f.reserveCpu);
    setIf(res.Reservations, 'MemoryBytes', f.reserveMemory);
  }
  if (f.limitCpu !== undefined || f.limitMemory !== undefined || f.limitPids !== undefined) {
    res.Limits = { ...res.Limits };
    setIf(res.Limits, 'NanoCPUs', f.limitCpu);
    setIf(res.Limits, 'MemoryBytes', f.limitMemory);
    setIf(res.Limits, 'Pids', f.limitPids);
  }
  if (
    f.restartCondition !== undefined ||
    f.restartDelay !== undefined ||
    f.restartMaxAttempts !== undefined ||
    f.restartWindow !== undefined
  ) {
    const r = { ...(t.RestartPolicy ?? {}) };
    setIf(r, 'Condition', f.restartCondition as 'any' | undefined);
    setIf(r, 'Delay', f.restartDelay);
    setIf(r, 'MaxAttempts', f.restartMaxAttempts);
    setIf(r, 'Window', f.restartWindow);
    t.RestartPolicy = r;
  }
  if (changed(l.constraint) || changed(l.placementPref) || f.replicasMaxPerNode !== undefined) {
    const p = { ...(t.Placement ?? {}) };
    if (changed(l.constraint)) p.Constraints = mergeList(p.Constraints, ...l.constraint);
    if (changed(l.placementPref)) {
      const key = (x: { Spread?: { SpreadDescriptor: string } }) => `spread=${x.Spread?.SpreadDescriptor}`;
      const rm = new Set(l.placementPref[1]);
      p.Preferences = [
        ...(p.Preferences ?? []).filter((x) => !rm.has(key(x))),
        ...l.placementPref[0].map(parsePlacementPref),
      ];
    }
    setIf(p, 'MaxReplicas', f.replicasMaxPerNode);
    t.Placement = p;
  }
  if (changed(l.network)) {
    const rm = new Set(l.network[1]);
    const adds = l.network[0].map(parseNetwork);
    t.Networks = [...(t.Networks ?? s.Networks ?? []).filter((n) => !rm.has(n.Target)), ...adds];
    delete s.Networks;
  }
  if (f.logDriver !== undefined || f.logOpt !== undefined) {
    t.LogDriver = {
      Name: f.logDriver ?? t.LogDriver?.Name ?? '',
      Options: { ...t.LogDriver?.Options, ...parseLabels(f.logOpt ?? []) },
    };
  }
  if (f.force) t.ForceUpdate = (t.ForceUpdate ?? 0) + 1;

  if (changed(l.label)) s.Labels = mergeLabels(s.Labels, ...l.label);
  if (changed(l.publish) || f.endpointMode !== undefined) {
    const e = { ...(s.EndpointSpec ?? {}) };
    setIf(e, 'Mode', f.endpointMode as 'vip' | undefined);
    if (changed(l.publish)) e.Ports = mergePorts(e.Ports, ...l.publish);
    s.EndpointSpec = e;
  }
  const job = s.Mode?.ReplicatedJob !== undefined || s.Mode?.GlobalJob !== undefined;
  const updating = [
    f.updateParallelism,
    f.updateDelay,
    f.updateFailureAction,
    f.updateMonitor,
    f.updateMaxFailureRatio,
    f.updateOrder,
  ];
  const rolling = [
    f.rollbackParallelism,
    f.rollbackDelay,
    f.rollbackFailureAction,
    f.rollbackMonitor,
    f.rollbackMaxFailureRatio,
    f.rollbackOrder,
  ];
  if (job && [...updating, ...rolling].some((x) => x !== undefined)) {
    throw new Error('update and rollback configuration is not supported for jobs');
  }
  if (!job && (!update || updating.some((x) => x !== undefined))) {
    s.UpdateConfig = applyUpdateConfig(s.UpdateConfig, {
      parallelism: f.updateParallelism,
      delay: f.updateDelay,
      failureAction: f.updateFailureAction,
      monitor: f.updateMonitor,
      maxFailureRatio: f.updateMaxFailureRatio,
      order: f.updateOrder,
    });
  }
  if (!job && (!update || rolling.some((x) => x !== undefined))) {
    s.RollbackConfig = applyUpdateConfig(s.RollbackConfig, {
      parallelism: f.rollbackParallelism,
      delay: f.rollbackDelay,
      failureAction: f.rollbackFailureAction,
      monitor: f.rollbackMonitor,
      maxFailureRatio: f.rollbackMaxFailureRatio,
      order: f.rollbackOrder,
    });
  }
  return s;
}

export function createSpec(
  image: string,
  args: string[],
  f: ServiceFlags,
  env: Env = process.env,
): ServiceSpec {
  const mode = f.mode ?? 'replicated';
  const s: ServiceSpec = {
    Name: f.name ?? '',
    Labels: {},
    TaskTemplate: {
      ContainerSpec: { Image: normalizeImage(image), ...(args.length > 0 ? { Args: args } : {}) },
      Resources: { Limits: {}, Reservations: {} },
      Placement: {},
    },
    Mode:
      mode === 'global'
        ? { Global: {} }
        : mode === 'global-job'
          ? { GlobalJob: {} }
          : mode === 'replicated-job'
            ? {
                ReplicatedJob: {
                  // Docker: --max-concurrent defaults to --replicas.
                  MaxConcurrent: f.maxConcurrent ?? f.replicas ?? 1,
                  TotalCompletions: f.replicas ?? f.maxConcurrent ?? 1,
                },
              }
            : { Replicated: { Replicas: f.replicas ?? 1 } },
    EndpointSpec: { Mode: 'vip' },
  };
  if ((mode === 'global' || mode === 'global-job') && f.replicas !== undefined) {
    throw new Error('replicas can only be used with replicated or replicated-job mode');
  }
  const { replicas: _r, maxConcurrent: _m, ...rest } = f;
  return apply(s, rest, env, false);
}

export function updateSpec(current: ServiceSpec, f: ServiceFlags, env: Env = process.env): ServiceSpec {
  return apply(structuredClone(current), f, env, true);
}
