/**
 * normalizeServiceSpec: the spec as Docker stores it and as a plain `docker service
 * inspect` shows it. The daemon converts Engine JSON into swarmkit's protobuf enums and
 * back, which fills some fields and folds others (daemon/cluster/convert/service.go):
 * - Mode: none -> Replicated{Replicas: 1}; Replicated without Replicas -> 1;
 *   ReplicatedJob: MaxConcurrent 1 when unset, TotalCompletions = MaxConcurrent when unset;
 * - RestartPolicy (if given): Condition "" -> any, MaxAttempts shown (0);
 * - Update/RollbackConfig (if given): FailureAction "" -> pause, Order "" -> stop-first,
 *   Parallelism and MaxFailureRatio shown (0), a zero Delay or Monitor not shown;
 * - EndpointSpec (if given): Mode "" -> vip; each port's Protocol -> tcp/udp/sctp and
 *   PublishMode -> ingress/host (an unknown name becomes tcp / ingress);
 * - ContainerSpec: Isolation -> default/process/hyperv; mount Type "" -> bind, names
 *   lower-cased; TaskTemplate.ForceUpdate 0 and Runtime "container" shown; Labels {} shown;
 * - an empty Name gets a generated one (the daemon uses its names generator; pass yours).
 * Apply it to a valid spec (validateServiceSpec first); the input is not modified.
 */
import type { PortConfig, ServiceMode, ServiceSpec, UpdateConfig } from '../service.ts';
import type { ContainerSpec, Mount } from '../task-spec.ts';
import { portProtocol, portPublishMode } from './endpoint.ts';

export interface NormalizeOptions {
  /** Name for a spec without one (Docker: namesgenerator, e.g. "quirky_hopper"). */
  readonly generateName?: () => string;
}

function normalizeMode(m: ServiceMode | undefined): ServiceMode {
  if (m?.Global) return { Global: {} };
  if (m?.GlobalJob) return { GlobalJob: {} };
  if (m?.ReplicatedJob) {
    const max = m.ReplicatedJob.MaxConcurrent ?? 1;
    return {
      ReplicatedJob: { MaxConcurrent: max, TotalCompletions: m.ReplicatedJob.TotalCompletions ?? max },
    };
  }
  return { Replicated: { Replicas: m?.Replicated?.Replicas ?? 1 } };
}

function normalizeUpdate(u: UpdateConfig): UpdateConfig {
  const out: UpdateConfig = {
    Parallelism: u.Parallelism ?? 0,
    FailureAction: u.FailureAction || 'pause',
    MaxFailureRatio: u.MaxFailureRatio ?? 0,
    Order: u.Order || 'stop-first',
  };
  if (u.Delay) out.Delay = u.Delay;
  if (u.Monitor) out.Monitor = u.Monitor;
  return out;
}

function normalizeMount(m: Mount): Mount {
  const out: Mount = { ...m, Type: (m.Type || 'bind').toLowerCase() as Mount['Type'] };
  const b = m.BindOptions;
  if (b) {
    const propagation = b.Propagation?.toLowerCase() ?? '';
    if (propagation === '' && !b.NonRecursive && !b.CreateMountpoint) delete out.BindOptions;
    else out.BindOptions = { ...b, ...(propagation ? { Propagation: propagation } : {}) };
  }
  return out;
}

function normalizeContainer(c: ContainerSpec): ContainerSpec {
  const iso = (c.Isolation ?? '').toLowerCase();
  const out: ContainerSpec = { ...c, Isolation: iso === 'process' || iso === 'hyperv' ? iso : 'default' };
  if (c.Mounts) out.Mounts = c.Mounts.map((m) => normalizeMount(m ?? ({} as Mount))); // null: Go's zero Mount
  return out;
}

export function normalizeServiceSpec(spec: ServiceSpec, opts: NormalizeOptions = {}): ServiceSpec {
  const s = structuredClone(spec);
  if (!s.Name && opts.generateName) s.Name = opts.generateName();
  s.Labels = s.Labels ?? {};
  const t = s.TaskTemplate ?? {};
  s.TaskTemplate = t;
  if (t.ContainerSpec) {
    t.ContainerSpec = normalizeContainer(t.ContainerSpec);
    t.Runtime = 'container';
  }
  t.ForceUpdate = t.ForceUpdate ?? 0;
  if (t.RestartPolicy) {
    t.RestartPolicy = { ...t.RestartPolicy, Condition: t.RestartPolicy.Condition || 'any' };
    t.RestartPolicy.MaxAttempts = t.RestartPolicy.MaxAttempts ?? 0;
  }
  s.Mode = normalizeMode(s.Mode);
  if (s.UpdateConfig) s.UpdateConfig = normalizeUpdate(s.UpdateConfig);
  if (s.RollbackConfig) s.RollbackConfig = normalizeUpdate(s.RollbackConfig);
  if (s.EndpointSpec) {
    s.EndpointSpec.Mode = s.EndpointSpec.Mode || 'vip';
    if (s.EndpointSpec.Ports) {
      s.EndpointSpec.Ports = s.EndpointSpec.Ports.map((port) => {
        const p = port ?? ({} as PortConfig); // null: Go's zero PortConfig
        return { ...p, Protocol: portProtocol(p), PublishMode: portPublishMode(p) };
      });
    }
  }
  return s;
}
