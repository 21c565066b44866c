/**
 * A task's spec as the Engine's container create body (POST /containers/create): a pure
 * function, so every field's mapping is unit-tested without an engine. Engine API 1.41
 * (Docker 20.10) is the floor: fields newer engines added are left out.
 *
 *   ContainerSpec.Command/Args     -> Entrypoint/Cmd (as swarm does: Command replaces the
 *                                      image's ENTRYPOINT, Args its CMD)
 *   Env, Dir, User, Groups, Hostname (templates expanded), TTY, OpenStdin, Labels
 *   Mounts (bind, volume, tmpfs)   -> HostConfig.Mounts; secrets/configs -> read-only Binds
 *   Resources.Limits               -> NanoCpus, Memory, PidsLimit; Reservations.Memory -> MemoryReservation
 *   StopSignal, StopGracePeriod    -> StopSignal, StopTimeout (whole seconds, for `docker stop`)
 *   HealthCheck                    -> Healthcheck (ns durations as the Engine takes them)
 *   Init, ReadOnly, Sysctls, CapabilityAdd/Drop, Ulimits, DNSConfig, Hosts, OomScoreAdj
 *   TaskSpec.LogDriver             -> HostConfig.LogConfig
 *   Endpoint.Ports                 -> ExposedPorts + PortBindings (see ports.ts)
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { Task } from '../../api/task.ts';
import type { ContainerSpec, Mount } from '../../api/task-spec.ts';
import { ExecutorError } from '../errors.ts';
import { stopGraceMs } from '../spec.ts';
import { containerLabels, containerName, expandTemplate, type TemplateContext } from './names.ts';
import { portBindings } from './ports.ts';
import type { StagedFiles } from './secrets.ts';

export interface CreateContext extends TemplateContext {
  /** The Shoal node id that owns the container (OWNER_LABEL). */
  owner: string;
  /** Docker network to attach the container to (default: the engine's default bridge). */
  network?: string;
  /** Host address the ingress ports of a task are published on for the mesh. */
  meshHostIp: string;
  /** The node's own address: host-mode ports bind it (default: every address). */
  hostModeIp?: string;
  /** Secrets/configs staged on the engine host, bound read-only into the container. */
  staged?: StagedFiles;
}

export type CreateBody = ContainerCreateOptions & { name: string };

export function createBody(task: Task, ctx: CreateContext): CreateBody {
  const spec = task.Spec.ContainerSpec;
  if (!spec?.Image) throw new ExecutorError('invalid_argument', 'task has no container image');
  const t = (s: string): string => expandTemplate(s, ctx);
  const limits = task.Spec.Resources?.Limits;
  const reservations = task.Spec.Resources?.Reservations;
  const { exposed, bindings } = portBindings(task.Endpoint?.Ports ?? [], ctx.meshHostIp, ctx.hostModeIp);

  const host: Record<string, unknown> = {
    Binds: ctx.staged?.binds ?? [],
    Mounts: (spec.Mounts ?? []).map((m) => engineMount(m, t)),
    PortBindings: bindings,
    ReadonlyRootfs: spec.ReadOnly ?? false,
    GroupAdd: spec.Groups,
    Sysctls: spec.Sysctls,
    CapAdd: spec.CapabilityAdd,
    CapDrop: spec.CapabilityDrop,
    Ulimits: spec.Ulimits,
    Dns: spec.DNSConfig?.Nameservers,
    DnsSearch: spec.DNSConfig?.Search,
    DnsOptions: spec.DNSConfig?.Options,
    ExtraHosts: extraHosts(spec.Hosts),
    OomScoreAdj: spec.OomScoreAdj,
    NanoCpus: limits?.NanoCPUs,
    Memory: limits?.MemoryBytes,
    PidsLimit: limits?.Pids,
    MemoryReservation: reservations?.MemoryBytes,
    NetworkMode: ctx.network,
    RestartPolicy: { Name: 'no' },
  };
  if (spec.Init !== undefined && spec.Init !== null) host.Init = spec.Init;
  const log = task.Spec.LogDriver;
  if (log?.Name) host.LogConfig = { Type: log.Name, Config: log.Options ?? {} };

  const body: Record<string, unknown> = {
    name: containerName(task),
    Image: spec.Image,
    Entrypoint: spec.Command,
    Cmd: spec.Args,
    Env: spec.Env?.map(t),
    WorkingDir: spec.Dir,
    User: spec.User,
    Hostname: spec.Hostname ? t(spec.Hostname) : undefined,
    Tty: spec.TTY ?? false,
    OpenStdin: spec.OpenStdin ?? false,
    Labels: containerLabels(task, ctx.owner, templatedLabels(spec, t)),
    ExposedPorts: exposed,
    StopSignal: spec.StopSignal,
    StopTimeout: Math.ceil(stopGraceMs(task) / 1000),
    Healthcheck: healthcheck(spec),
    HostConfig: dropUndefined(host),
  };
  if (ctx.network) body.NetworkingConfig = { EndpointsConfig: { [ctx.network]: {} } };
  return dropUndefined(body) as unknown as CreateBody;
}

function templatedLabels(spec: ContainerSpec, t: (s: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.Labels ?? {})) out[k] = t(v);
  return out;
}

function engineMount(m: Mount, t: (s: string) => string): Record<string, unknown> {
  const base: Record<string, unknown> = { Type: m.Type, Target: t(m.Target), ReadOnly: m.ReadOnly ?? false };
  if (m.Source) base.Source = t(m.Source);
  switch (m.Type) {
    case 'bind':
      if (m.BindOptions)
        base.BindOptions = dropUndefined({
          Propagation: m.BindOptions.Propagation,
          NonRecursive: m.BindOptions.NonRecursive,
        });
      return base;
    case 'volume':
      if (m.VolumeOptions)
        base.VolumeOptions = dropUndefined({
          NoCopy: m.VolumeOptions.NoCopy,
          Labels: m.VolumeOptions.Labels,
          DriverConfig: m.VolumeOptions.DriverConfig,
        });
      return base;
    case 'tmpfs':
      if (m.TmpfsOptions)
        base.TmpfsOptions = dropUndefined({ SizeBytes: m.TmpfsOptions.SizeBytes, Mode: m.TmpfsOptions.Mode });
      return base;
    default:
      throw new ExecutorError('invalid_argument', `mount type ${m.Type} is not supported on this engine`);
  }
}

/** Swarm's hosts entries are "IP name [alias…]"; the Engine wants "name:IP". */
export function extraHosts(hosts: readonly string[] | undefined): string[] | undefined {
  if (!hosts?.length) return undefined;
  const out: string[] = [];
  for (const line of hosts) {
    const [ip, ...names] = line.trim().split(/\s+/);
    if (!ip) continue;
    if (names.length === 0)
      out.push(ip); // already "name:IP"
    else for (const n of names) out.push(`${n}:${ip}`);
  }
  return out;
}

function healthcheck(spec: ContainerSpec): Record<string, unknown> | undefined {
  const h = spec.HealthCheck;
  if (!h?.Test?.length && !h?.Interval && !h?.Timeout && !h?.Retries && !h?.StartPeriod) return undefined;
  return dropUndefined({
    Test: h.Test?.length ? h.Test : undefined,
    Interval: h.Interval,
    Timeout: h.Timeout,
    Retries: h.Retries,
    StartPeriod: h.StartPeriod,
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
