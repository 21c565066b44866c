/**
 * validateServiceSpec: everything Docker checks when a service is created or updated,
 * in the order Docker checks it, so `problems[0]` is what Docker would answer:
 *   1. JSON shape (the Engine API's Go structs: shape.ts)
 *   2. the daemon's conversion (daemon/cluster/convert: enum names, one mode, ...)
 *   3. swarmkit's validateServiceSpec (name, task template, mode, update, endpoint)
 *   4. on update, swarmkit's comparisons with the stored service (networks, mode, name)
 *   5. Shoal-only rules (origin 'shoal', listed in docs/design/validation.md)
 * Checks that need the store (port conflicts, referenced objects exist, ingress network)
 * are in service-context.ts; the version check is version.ts.
 */
import { type Service, type ServiceSpec, serviceMode } from '../service.ts';
import type { TaskSpec } from '../task-spec.ts';
import {
  endpointEngineProblems,
  endpointShoalProblems,
  endpointSwarmkitProblems,
  updateConfigEngineProblems,
  updateConfigRuleProblems,
} from './endpoint.ts';
import { SERVICE_SPEC } from './engine-schema.ts';
import { serviceNameProblem } from './names.ts';
import { engineProblem, type Problem, swarmkitProblem, throwIfProblems } from './problem.ts';
import { shapeProblems } from './shape.ts';
import { taskEngineProblems, taskShoalProblems, taskSwarmkitProblems } from './task.ts';

export interface ServiceValidationOptions {
  /** The stored service, when this spec is an update of it. */
  readonly existing?: Pick<Service, 'Spec'>;
}

function modeCount(s: ServiceSpec): number {
  const m = s.Mode ?? {};
  return [m.Replicated, m.Global, m.ReplicatedJob, m.GlobalJob].filter((x) => x != null).length;
}

function engineProblems(s: ServiceSpec, task: TaskSpec): Problem[] {
  const out = [
    ...taskEngineProblems(task),
    ...updateConfigEngineProblems(s.UpdateConfig, 'UpdateConfig'),
    ...updateConfigEngineProblems(s.RollbackConfig, 'RollbackConfig'),
    ...endpointEngineProblems(s.EndpointSpec),
  ];
  if (modeCount(s) > 1) out.push(engineProblem('Mode', 'must specify only one service mode'));
  return out;
}

function modeProblems(s: ServiceSpec): Problem[] {
  const m = s.Mode ?? {};
  const out: Problem[] = [];
  if ((m.Replicated?.Replicas ?? 0) < 0) {
    out.push(swarmkitProblem('Mode.Replicated.Replicas', 'Number of replicas must be non-negative'));
  }
  if ((m.ReplicatedJob?.MaxConcurrent ?? 0) < 0) {
    out.push(
      swarmkitProblem('Mode.ReplicatedJob.MaxConcurrent', 'Maximum concurrent jobs must not be negative'),
    );
  }
  if ((m.ReplicatedJob?.TotalCompletions ?? 0) < 0) {
    out.push(
      swarmkitProblem('Mode.ReplicatedJob.TotalCompletions', 'Total completed jobs must not be negative'),
    );
  }
  return out;
}

function swarmkitProblems(s: ServiceSpec, task: TaskSpec): Problem[] {
  const name = serviceNameProblem(s.Name);
  const out: Problem[] = [...(name ? [name] : []), ...taskSwarmkitProblems(task), ...modeProblems(s)];
  const mode = serviceMode(s);
  if (mode === 'replicated-job' || mode === 'global-job') {
    if (s.UpdateConfig != null)
      out.push(swarmkitProblem('UpdateConfig', 'Jobs may not have an update config'));
  } else {
    out.push(...updateConfigRuleProblems(s.UpdateConfig, 'UpdateConfig', 'update'));
  }
  out.push(...endpointSwarmkitProblems(s.EndpointSpec));
  return out;
}

/** Go's reflect.DeepEqual on protobuf fields, where absent, null and empty are the same. */
function sameJson(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) =>
    v == null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && Object.keys(v).length === 0);
  if (empty(a) && empty(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!sameJson(ra[k], rb[k])) return false;
  return true;
}

/** swarmkit's UpdateService comparisons with the stored spec, in its order. */
function updateProblems(s: ServiceSpec, current: ServiceSpec): Problem[] {
  const out: Problem[] = [];
  const oldNetworks = current.Networks ?? [];
  const newNetworks = s.Networks ?? [];
  if (
    (newNetworks.length > 0 || oldNetworks.length > 0) &&
    !sameJson(newNetworks, oldNetworks) &&
    sameJson(s.TaskTemplate?.Networks, current.TaskTemplate?.Networks)
  ) {
    out.push(
      swarmkitProblem(
        'Networks',
        'networks must be migrated to TaskSpec before being changed',
        'Unimplemented',
      ),
    );
  }
  if (serviceMode(s) !== serviceMode(current)) {
    out.push(swarmkitProblem('Mode', 'service mode change is not allowed', 'Unimplemented'));
  }
  if ((s.Name ?? '') !== current.Name) {
    out.push(swarmkitProblem('Name', 'renaming services is not supported', 'Unimplemented'));
  }
  return out;
}

/**
 * Every problem with `spec` (a parsed Engine-API ServiceSpec, any JSON value), Docker's
 * first. Never throws; [] when Docker would accept it.
 */
export function validateServiceSpec(spec: unknown, opts: ServiceValidationOptions = {}): Problem[] {
  const shape = shapeProblems(spec, SERVICE_SPEC);
  if (shape.length > 0) return shape;
  const s = (spec ?? {}) as ServiceSpec;
  const task = s.TaskTemplate ?? {};
  return [
    ...engineProblems(s, task),
    ...swarmkitProblems(s, task),
    ...(opts.existing ? updateProblems(s, opts.existing.Spec) : []),
    ...taskShoalProblems(task),
    ...updateConfigRuleProblems(s.RollbackConfig, 'RollbackConfig', 'rollback'),
    ...endpointShoalProblems(s.EndpointSpec),
  ];
}

/** Throws InvalidArgumentError (all problems, Docker's message first) unless `spec` is valid. */
export function assertValidServiceSpec(
  spec: unknown,
  opts: ServiceValidationOptions = {},
): asserts spec is ServiceSpec {
  throwIfProblems(validateServiceSpec(spec, opts));
}
