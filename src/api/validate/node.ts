/**
 * NodeSpec updates (`docker node update`). The daemon maps Role and Availability onto
 * swarmkit's enums by upper-casing them (daemon/cluster/convert/node.go), so `Manager` is
 * accepted and stored as `manager`; any other text is refused with `invalid Role: "x"`.
 * swarmkit refuses to demote the last manager (FailedPrecondition). Its raft quorum check
 * ("would result in a loss of quorum") belongs to the raft layer, not here.
 */
import type { Node, NodeAvailability, NodeRole, NodeSpec } from '../node.ts';
import { NODE_SPEC } from './engine-schema.ts';
import { goQuote } from './go-format.ts';
import { engineProblem, type Problem, swarmkitProblem, throwIfProblems } from './problem.ts';
import { shapeProblems } from './shape.ts';

const ROLES: readonly NodeRole[] = ['worker', 'manager'];
const AVAILABILITIES: readonly NodeAvailability[] = ['active', 'pause', 'drain'];

export interface NodeValidationOptions {
  /** The stored node: enables the demotion rule. */
  readonly existing?: Pick<Node, 'Spec'>;
  /** How many nodes currently have the manager role. */
  readonly managerCount?: number;
}

const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

export function validateNodeSpec(spec: unknown, opts: NodeValidationOptions = {}): Problem[] {
  const shape = shapeProblems(spec, NODE_SPEC);
  if (shape.length > 0) return shape;
  const s = (spec ?? {}) as Partial<NodeSpec>;
  const out: Problem[] = [];
  const role = lower(s.Role);
  if (!ROLES.includes(role as NodeRole))
    out.push(engineProblem('Role', `invalid Role: ${goQuote(s.Role ?? '')}`));
  if (!AVAILABILITIES.includes(lower(s.Availability) as NodeAvailability)) {
    out.push(engineProblem('Availability', `invalid Availability: ${goQuote(s.Availability ?? '')}`));
  }
  if (out.length > 0) return out;
  if (opts.existing?.Spec.Role === 'manager' && role === 'worker' && opts.managerCount === 1) {
    out.push(
      swarmkitProblem('Role', 'attempting to demote the last manager of the swarm', 'FailedPrecondition'),
    );
  }
  return out;
}

export function assertValidNodeSpec(
  spec: unknown,
  opts: NodeValidationOptions = {},
): asserts spec is NodeSpec {
  throwIfProblems(validateNodeSpec(spec, opts));
}

/** Role and availability as Docker stores them (lower case); apply to a valid spec. */
export function normalizeNodeSpec(spec: NodeSpec): NodeSpec {
  return {
    ...spec,
    Role: spec.Role.toLowerCase() as NodeRole,
    Availability: spec.Availability.toLowerCase() as NodeAvailability,
  };
}
