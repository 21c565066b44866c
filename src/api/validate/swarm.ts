/**
 * SwarmSpec for `docker swarm init` and `docker swarm update`. Docker's rules:
 * - daemon (daemon/cluster/swarm.go): the spec is named "default"; an empty name means it;
 * - daemon (convert/swarm.go): an external CA's protocol is "cfssl" (any case);
 * - swarmkit (controlapi/cluster.go): a node certificate expiry, when given, is at least
 *   one hour; the dispatcher heartbeat period is not negative.
 * Zero means "keep the current value" for these durations (the daemon drops zeros), and a
 * negative TaskHistoryRetentionLimit is allowed: it means "never trim task history".
 */
import { DEFAULT_CLUSTER_NAME, MIN_NODE_CERT_EXPIRY_NS, type SwarmSpec } from '../cluster.ts';
import { SWARM_SPEC } from './engine-schema.ts';
import { goDuration, goQuote } from './go-format.ts';
import { engineProblem, type Problem, swarmkitProblem, throwIfProblems } from './problem.ts';
import { shapeProblems } from './shape.ts';

export { MIN_NODE_CERT_EXPIRY_NS };

export interface SwarmValidationOptions {
  /** `init` words the name rule as `docker swarm init` does. */
  readonly operation?: 'init' | 'update';
}

export function validateSwarmSpec(spec: unknown, opts: SwarmValidationOptions = {}): Problem[] {
  const shape = shapeProblems(spec, SWARM_SPEC);
  if (shape.length > 0) return shape;
  const s = (spec ?? {}) as Partial<SwarmSpec>;
  const out: Problem[] = [];
  const name = s.Name ?? '';
  if (name !== '' && name !== DEFAULT_CLUSTER_NAME) {
    const rule = 'swarm spec must be named "default"';
    out.push(
      engineProblem('Name', opts.operation === 'init' ? rule : `invalid Name ${goQuote(name)}: ${rule}`),
    );
  }
  for (const [i, ca] of (s.CAConfig?.ExternalCAs ?? []).entries()) {
    const protocol = (ca as { Protocol?: string } | null)?.Protocol ?? '';
    if (protocol.toLowerCase() !== 'cfssl') {
      out.push(engineProblem(`CAConfig.ExternalCAs.${i}.Protocol`, `invalid protocol: ${goQuote(protocol)}`));
    }
  }
  const expiry = s.CAConfig?.NodeCertExpiry ?? 0;
  if (expiry !== 0 && expiry < MIN_NODE_CERT_EXPIRY_NS) {
    const msg = `minimum certificate expiry time is: ${goDuration(MIN_NODE_CERT_EXPIRY_NS)}`;
    out.push(swarmkitProblem('CAConfig.NodeCertExpiry', msg));
  }
  if ((s.Dispatcher?.HeartbeatPeriod ?? 0) < 0) {
    out.push(
      swarmkitProblem('Dispatcher.HeartbeatPeriod', 'heartbeat time period cannot be a negative duration'),
    );
  }
  return out;
}

export function assertValidSwarmSpec(
  spec: unknown,
  opts: SwarmValidationOptions = {},
): asserts spec is SwarmSpec {
  throwIfProblems(validateSwarmSpec(spec, opts));
}
