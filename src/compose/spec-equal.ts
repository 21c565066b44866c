/**
 * Whether an existing service already has the spec a re-deploy would send, so that
 * deploying an unchanged file leaves every service (and its version) alone. Both sides are
 * compared without their empty values (absent, null, "", false, [], {}), which the Engine
 * and its clients spell in different ways, and without the defaults the Engine fills in
 * (endpoint mode vip, isolation default, runtime container, ForceUpdate 0, unlimited
 * restarts, pause on failure, stop-first); the mode is compared by name and replica count.
 */
import { replicas, type ServiceSpec, serviceMode } from '../api/service.ts';

function prune(v: unknown): unknown {
  if (v === null || v === undefined || v === '' || v === false) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(prune).map((x) => (x === undefined ? null : x));
    return items.length === 0 ? undefined : items;
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = prune((v as Record<string, unknown>)[k]);
      if (x !== undefined) out[k] = x;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

type Obj = Record<string, unknown>;
const at = (o: unknown, k: string): Obj | undefined =>
  typeof o === 'object' && o !== null ? ((o as Obj)[k] as Obj | undefined) : undefined;

function dropDefault(o: Obj | undefined, key: string, value: unknown): void {
  if (o !== undefined && o[key] === value) delete o[key];
}

function withoutDefaults(spec: unknown): unknown {
  if (typeof spec !== 'object' || spec === null) return spec;
  const s = structuredClone(spec) as Obj;
  if ('Mode' in s || 'TaskTemplate' in s) {
    const m = s as unknown as ServiceSpec;
    const mode = serviceMode(m);
    s.Mode = mode === 'replicated' ? `${mode}:${replicas(m)}` : mode;
  }
  const task = at(s, 'TaskTemplate');
  dropDefault(at(s, 'EndpointSpec'), 'Mode', 'vip');
  dropDefault(task, 'ForceUpdate', 0);
  dropDefault(task, 'Runtime', 'container');
  dropDefault(at(task, 'ContainerSpec'), 'Isolation', 'default');
  dropDefault(at(task, 'RestartPolicy'), 'MaxAttempts', 0);
  for (const key of ['UpdateConfig', 'RollbackConfig']) {
    const u = at(s, key);
    dropDefault(u, 'FailureAction', 'pause');
    dropDefault(u, 'MaxFailureRatio', 0);
    dropDefault(u, 'Order', 'stop-first');
  }
  return s;
}

/** The spec as compared: defaults and empty values gone, keys ordered. */
export function canonicalSpec(spec: unknown): string {
  return JSON.stringify(prune(withoutDefaults(spec)) ?? {});
}

export function sameSpec(a: unknown, b: unknown): boolean {
  return canonicalSpec(a) === canonicalSpec(b);
}
