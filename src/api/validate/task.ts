/**
 * TaskTemplate rules, in Docker's order. The daemon's conversion comes first (runtime and
 * container-spec shape, restart condition names), then swarmkit's validateTaskSpec:
 * resources (limits, then reservations: CPU at least 0.001 unless 0, memory at least 4 MiB
 * unless 0), restart policy (delay and window not negative), placement constraints (they
 * must parse), secret and config references, and finally the container spec.
 * swarmkit does not compare limits with reservations, nor check spread descriptors or
 * generic resources at create time; neither does Shoal.
 */
import type { ResourceSet, TaskSpec } from '../task-spec.ts';
import { parseConstraints } from './constraint.ts';
import {
  containerEngineProblems,
  containerShoalProblems,
  containerSwarmkitProblems,
  referenceProblems,
} from './container.ts';
import { goFloat, goQuote } from './go-format.ts';
import { engineProblem, type Problem, swarmkitProblem } from './problem.ts';

const BASE = 'TaskTemplate';
const CONTAINER = `${BASE}.ContainerSpec`;
const RESTART_CONDITIONS = new Set(['none', 'on-failure', 'any']);
const MIN_NANO_CPUS = 1e6;
const MIN_MEMORY = 4 * 1024 * 1024;

/** The daemon's ServiceSpecToGRPC checks on the task template. */
export function taskEngineProblems(t: TaskSpec): Problem[] {
  const out: Problem[] = [];
  const runtime = t.Runtime ?? '';
  if (runtime === '' || runtime === 'container') {
    if (!t.ContainerSpec)
      out.push(engineProblem(`${BASE}.ContainerSpec`, 'mismatched Runtime and *Spec fields'));
    else out.push(...containerEngineProblems(t.ContainerSpec, CONTAINER));
  } else if (runtime === 'plugin') {
    // Docker needs a PluginSpec for this runtime; Shoal's TaskSpec has none to give.
    out.push(engineProblem(`${BASE}.Runtime`, 'mismatched Runtime and *Spec fields'));
  } else {
    out.push(engineProblem(`${BASE}.Runtime`, 'unsupported runtime'));
  }
  const condition = t.RestartPolicy?.Condition as string | undefined;
  if (condition && !RESTART_CONDITIONS.has(condition)) {
    out.push(
      engineProblem(`${BASE}.RestartPolicy.Condition`, `invalid RestartCondition: ${goQuote(condition)}`),
    );
  }
  return out;
}

function resourceProblems(r: ResourceSet | undefined, field: string): Problem[] {
  if (!r) return [];
  const out: Problem[] = [];
  const cpus = r.NanoCPUs ?? 0;
  if (cpus !== 0 && cpus < MIN_NANO_CPUS) {
    const msg = `invalid cpu value ${goFloat(cpus / 1e9)}: Must be at least ${goFloat(MIN_NANO_CPUS / 1e9)}`;
    out.push(swarmkitProblem(`${field}.NanoCPUs`, msg));
  }
  const memory = r.MemoryBytes ?? 0;
  if (memory !== 0 && memory < MIN_MEMORY) {
    out.push(
      swarmkitProblem(`${field}.MemoryBytes`, `invalid memory value ${memory}: Must be at least 4MiB`),
    );
  }
  return out;
}

/** swarmkit's validateTaskSpec. */
export function taskSwarmkitProblems(t: TaskSpec): Problem[] {
  const out: Problem[] = [
    ...resourceProblems(t.Resources?.Limits, `${BASE}.Resources.Limits`),
    ...resourceProblems(t.Resources?.Reservations, `${BASE}.Resources.Reservations`),
  ];
  const rp = t.RestartPolicy;
  if ((rp?.Delay ?? 0) < 0) {
    out.push(swarmkitProblem(`${BASE}.RestartPolicy.Delay`, 'TaskSpec: restart-delay cannot be negative'));
  }
  if ((rp?.Window ?? 0) < 0) {
    out.push(swarmkitProblem(`${BASE}.RestartPolicy.Window`, 'TaskSpec: restart-window cannot be negative'));
  }
  const constraints = parseConstraints((t.Placement?.Constraints ?? []).map((c) => c ?? ''));
  // swarmkit returns the parser's plain error, so gRPC reports it as code Unknown.
  if (!constraints.ok)
    out.push(swarmkitProblem(`${BASE}.Placement.Constraints`, constraints.error, 'Unknown'));
  if (t.ContainerSpec) {
    out.push(...referenceProblems(t.ContainerSpec, CONTAINER));
    out.push(...containerSwarmkitProblems(t.ContainerSpec, CONTAINER));
  }
  return out;
}

/** Shoal-only task rules (see validation.md). */
export function taskShoalProblems(t: TaskSpec): Problem[] {
  return t.ContainerSpec ? containerShoalProblems(t.ContainerSpec, CONTAINER) : [];
}
