/**
 * withServiceDefaults: the spec as `docker service inspect --insertDefaults` shows it.
 * That is the stored form (normalize.ts) with swarmkit's defaults interpolated into what
 * the user left out (api/defaults/service.go, InterpolateService):
 *   ContainerSpec: StopGracePeriod 10s, DNSConfig {}
 *   Resources {}, Placement {}
 *   RestartPolicy: Condition any, Delay 5s, MaxAttempts 0 (Delay 5s also fills a given
 *     policy without one)
 *   UpdateConfig and RollbackConfig: Parallelism 1, FailureAction pause, Monitor 5s,
 *     MaxFailureRatio 0, Order stop-first, Delay 0 (not shown, as Docker omits a zero
 *     Delay); a given config only gets Monitor 5s when it has none (0 counts as none,
 *     since the daemon drops a zero Monitor)
 * Docker interpolates these for every mode, jobs included (a job's inspect shows an
 * UpdateConfig it may not be created with). An absent EndpointSpec stays absent: Docker
 * invents none (the docker CLI always sends `{"Mode": "vip"}`), so read a missing one as
 * vip. The defaults are for reading; validate and store the user's spec.
 */
import { NS_PER_S } from '../meta.ts';
import type { ServiceSpec, UpdateConfig } from '../service.ts';
import type { RestartPolicy } from '../task-spec.ts';
import { normalizeServiceSpec } from './normalize.ts';

export const SERVICE_DEFAULTS = {
  stopGracePeriodNs: 10 * NS_PER_S,
  restart: { Condition: 'any', Delay: 5 * NS_PER_S, MaxAttempts: 0 } satisfies RestartPolicy,
  update: {
    Parallelism: 1,
    FailureAction: 'pause',
    Monitor: 5 * NS_PER_S,
    MaxFailureRatio: 0,
    Order: 'stop-first',
  } satisfies UpdateConfig,
  endpointMode: 'vip',
} as const;

function withUpdateDefaults(u: UpdateConfig | undefined): UpdateConfig {
  if (!u) return { ...SERVICE_DEFAULTS.update };
  return u.Monitor ? u : { ...u, Monitor: SERVICE_DEFAULTS.update.Monitor };
}

export function withServiceDefaults(spec: ServiceSpec): ServiceSpec {
  const s = normalizeServiceSpec(spec);
  const t = s.TaskTemplate;
  const c = t.ContainerSpec;
  if (c) {
    c.StopGracePeriod = c.StopGracePeriod ?? SERVICE_DEFAULTS.stopGracePeriodNs;
    c.DNSConfig = c.DNSConfig ?? {};
  }
  t.Resources = t.Resources ?? {};
  t.RestartPolicy = t.RestartPolicy
    ? { ...t.RestartPolicy, Delay: t.RestartPolicy.Delay ?? SERVICE_DEFAULTS.restart.Delay }
    : { ...SERVICE_DEFAULTS.restart };
  t.Placement = t.Placement ?? {};
  s.UpdateConfig = withUpdateDefaults(s.UpdateConfig);
  s.RollbackConfig = withUpdateDefaults(s.RollbackConfig);
  return s;
}
