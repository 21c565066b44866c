/**
 * Update/rollback configs and the endpoint spec, and how the daemon reads their enums:
 * FailureAction, Order, RestartCondition and EndpointSpec.Mode must be exact lower-case
 * names, while a port's Protocol and PublishMode are looked up upper-cased and an unknown
 * one silently becomes the first value (tcp, ingress), as Docker's conversion does.
 */
import type { EndpointSpec, PortConfig, UpdateConfig } from '../service.ts';
import { goQuote } from './go-format.ts';
import { engineProblem, type Problem, shoalProblem, swarmkitProblem } from './problem.ts';

const FAILURE_ACTIONS = new Set(['', 'pause', 'continue', 'rollback']);
const ORDERS = new Set(['', 'stop-first', 'start-first']);
const MAX_PORT = 65535;

/** How Docker reads a port's protocol: tcp unless it names udp or sctp (any case). */
export function portProtocol(p: Pick<PortConfig, 'Protocol'>): 'tcp' | 'udp' | 'sctp' {
  const v = (p.Protocol ?? '').toLowerCase();
  return v === 'udp' || v === 'sctp' ? v : 'tcp';
}

/** How Docker reads a port's publish mode: ingress unless it names host (any case). */
export function portPublishMode(p: Pick<PortConfig, 'PublishMode'>): 'ingress' | 'host' {
  return (p.PublishMode ?? '').toLowerCase() === 'host' ? 'host' : 'ingress';
}

/** The daemon's updateConfigToGRPC enum checks (for UpdateConfig or RollbackConfig). */
export function updateConfigEngineProblems(u: UpdateConfig | undefined, field: string): Problem[] {
  if (!u) return [];
  const out: Problem[] = [];
  const action = (u.FailureAction ?? '') as string;
  if (!FAILURE_ACTIONS.has(action)) {
    out.push(engineProblem(`${field}.FailureAction`, `unrecognized update failure action ${action}`));
  }
  const order = (u.Order ?? '') as string;
  if (!ORDERS.has(order)) out.push(engineProblem(`${field}.Order`, `unrecognized update order ${order}`));
  return out;
}

/**
 * swarmkit's validateUpdate. swarmkit applies it to UpdateConfig only; Shoal applies the
 * same rules to RollbackConfig (as origin 'shoal', with "rollback-" in the text).
 */
export function updateConfigRuleProblems(
  u: UpdateConfig | undefined,
  field: string,
  kind: 'update' | 'rollback',
): Problem[] {
  if (!u) return [];
  const make = kind === 'update' ? swarmkitProblem : shoalProblem;
  const out: Problem[] = [];
  if ((u.Delay ?? 0) < 0) out.push(make(`${field}.Delay`, `TaskSpec: ${kind}-delay cannot be negative`));
  if ((u.Monitor ?? 0) < 0)
    out.push(make(`${field}.Monitor`, `TaskSpec: ${kind}-monitor cannot be negative`));
  const ratio = Math.fround(u.MaxFailureRatio ?? 0); // float32 in Docker
  if (ratio < 0 || ratio > 1) {
    const msg = `TaskSpec: ${kind}-maxfailureratio cannot be less than 0 or bigger than 1`;
    out.push(make(`${field}.MaxFailureRatio`, msg));
  }
  return out;
}

export function endpointEngineProblems(e: EndpointSpec | undefined): Problem[] {
  const mode = (e?.Mode ?? '') as string;
  if (mode === '' || mode === 'vip' || mode === 'dnsrr') return [];
  return [engineProblem('EndpointSpec.Mode', `invalid resolution mode: ${goQuote(mode)}`)];
}

/** swarmkit's validateEndpointSpec. */
export function endpointSwarmkitProblems(e: EndpointSpec | undefined): Problem[] {
  if (!e) return [];
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const [i, port] of (e.Ports ?? []).entries()) {
    // A null entry decodes to Go's zero PortConfig: TCP, ingress mode, nothing published.
    const p = port ?? {};
    const field = `EndpointSpec.Ports.${i}`;
    if (e.Mode === 'dnsrr' && portPublishMode(p) === 'ingress') {
      out.push(
        swarmkitProblem(
          field,
          "EndpointSpec: port published with ingress mode can't be used with dnsrr mode",
        ),
      );
    }
    const published = p.PublishedPort ?? 0;
    if (published === 0) continue;
    const key = `${published}/${portProtocol(p)}`;
    if (seen.has(key))
      out.push(swarmkitProblem(`${field}.PublishedPort`, 'EndpointSpec: duplicate published ports provided'));
    seen.add(key);
  }
  return out;
}

/** Port numbers above 65535 pass Docker's checks and then never allocate; Shoal refuses them. */
export function endpointShoalProblems(e: EndpointSpec | undefined): Problem[] {
  const out: Problem[] = [];
  for (const [i, p] of (e?.Ports ?? []).entries()) {
    for (const which of ['TargetPort', 'PublishedPort'] as const) {
      const n = p?.[which] ?? 0;
      if (n > MAX_PORT) {
        const name = which === 'TargetPort' ? 'target' : 'published';
        out.push(
          shoalProblem(
            `EndpointSpec.Ports.${i}.${which}`,
            `EndpointSpec: ${name} port ${n} is out of range 0-65535`,
          ),
        );
      }
    }
  }
  return out;
}
