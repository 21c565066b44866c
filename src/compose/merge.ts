/**
 * Several compose files (`-c a.yml -c b.yml`) folded into one, later over earlier, with
 * the docker CLI's rules:
 *
 *   - top-level networks, volumes, secrets, configs: an entry replaces the same-named one;
 *   - a service merges into the same-named service: values override, mappings (environment,
 *     labels, sysctls, networks, ulimits, logging options) merge key by key, other lists
 *     append (dns, cap_add, extra_hosts, placement constraints...), except
 *   - command and entrypoint, which replace; ports, which unite (ordered by published
 *     port); secrets and configs, keyed by source; volumes, keyed by target.
 */
import type { ComposeConfig, FileReference, PortConfig, ServiceConfig, VolumeMount } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...over];
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over;
}

function unite<T>(
  base: T[] | undefined,
  over: T[] | undefined,
  key: (x: T) => string,
  order: (a: T, b: T) => number,
) {
  if (over === undefined) return base;
  const m = new Map<string, T>();
  for (const x of [...(base ?? []), ...over]) m.set(key(x), x);
  return [...m.values()].sort(order);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function mergeService(base: ServiceConfig, over: ServiceConfig): ServiceConfig {
  const merged = deepMerge(base, over) as ServiceConfig;
  merged.command = over.command?.length ? over.command : base.command;
  merged.entrypoint = over.entrypoint?.length ? over.entrypoint : base.entrypoint;
  merged.ports = unite<PortConfig>(
    base.ports,
    over.ports,
    (p) => JSON.stringify([p.mode, p.target, p.published, p.protocol]),
    (a, b) => (a.published ?? 0) - (b.published ?? 0),
  );
  const bySource = (a: FileReference, b: FileReference) => byText(a.source, b.source);
  merged.secrets = unite(base.secrets, over.secrets, (s) => s.source, bySource);
  merged.configs = unite(base.configs, over.configs, (s) => s.source, bySource);
  merged.volumes = unite<VolumeMount>(
    base.volumes,
    over.volumes,
    (v) => v.target,
    (a, b) => byText(a.target, b.target),
  );
  if (over.healthcheck?.test !== undefined && merged.healthcheck)
    merged.healthcheck.test = over.healthcheck.test;
  if (over.ulimits !== undefined) merged.ulimits = { ...base.ulimits, ...over.ulimits };
  if (over.networks !== undefined) merged.networks = { ...base.networks, ...over.networks };
  return merged;
}

export function mergeConfigs(configs: ComposeConfig[]): ComposeConfig {
  const [first, ...rest] = configs;
  if (first === undefined) throw new Error('mergeConfigs: no configuration');
  let out = first;
  for (const over of rest) {
    const services = new Map(out.services.map((s) => [s.name, s]));
    for (const s of over.services) {
      const b = services.get(s.name);
      services.set(s.name, b === undefined ? s : mergeService(b, s));
    }
    out = {
      version: out.version,
      services: [...services.values()].sort((a, b) => byText(a.name, b.name)),
      networks: { ...out.networks, ...over.networks },
      volumes: { ...out.volumes, ...over.volumes },
      secrets: { ...out.secrets, ...over.secrets },
      configs: { ...out.configs, ...over.configs },
    };
  }
  return out;
}
