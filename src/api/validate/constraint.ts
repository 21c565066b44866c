/**
 * Placement constraints and spread preferences, parsed into typed values that the
 * scheduler matches against nodes. Syntax and semantics are swarmkit's
 * (manager/constraint, manager/scheduler):
 * - `key==value` or `key!=value`; `==` is looked for first and the expression is split at
 *   its first occurrence; key and value are trimmed;
 * - key: `[a-z_][a-z0-9-_.]+` (case-insensitive), value: letters, digits, whitespace and
 *   `: - _ . * ( ) ? + [ ] \ ^ $ | /`, so no further operator can hide in it;
 * - known keys (case-insensitive): node.id, node.hostname, node.role, node.ip (address or
 *   CIDR), node.platform.os, node.platform.arch, node.labels.<label>,
 *   engine.labels.<label> (the label name itself is case-sensitive);
 * - an unknown key parses but matches no node; values compare case-insensitively; a
 *   missing hostname/platform/label reads as "" (so `!=` matches it).
 * Spread descriptors: `node.labels.<label>` or `engine.labels.<label>`; swarmkit ignores
 * any other descriptor when scheduling, and so does `parseSpreadDescriptor` ('unsupported').
 */
import type { Labels } from '../meta.ts';
import type { Node } from '../node.ts';
import { type Cidr, cidrContains, parseCidr, parseIp } from './ip.ts';

export type ConstraintOperator = '==' | '!=';

export type ConstraintTarget =
  | { readonly kind: 'id' | 'hostname' | 'role' | 'os' | 'arch' | 'unknown' }
  | { readonly kind: 'node-label' | 'engine-label'; readonly label: string }
  | { readonly kind: 'ip'; readonly ip: bigint | null; readonly cidr: Cidr | null };

export interface Constraint {
  /** The key as written (trimmed). */
  readonly key: string;
  readonly operator: ConstraintOperator;
  readonly value: string;
  /** Lower-cased value, for the case-insensitive comparison. */
  readonly folded: string;
  readonly target: ConstraintTarget;
}

export type ConstraintParse =
  | { readonly ok: true; readonly constraints: readonly Constraint[] }
  | { readonly ok: false; readonly error: string };

const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
const VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
export const NODE_LABEL_PREFIX = 'node.labels.';
export const ENGINE_LABEL_PREFIX = 'engine.labels.';
const SIMPLE: Readonly<Record<string, ConstraintTarget['kind']>> = {
  'node.id': 'id',
  'node.hostname': 'hostname',
  'node.role': 'role',
  'node.platform.os': 'os',
  'node.platform.arch': 'arch',
};

function labelAfter(key: string, prefix: string): string | undefined {
  return key.length > prefix.length && key.slice(0, prefix.length).toLowerCase() === prefix
    ? key.slice(prefix.length)
    : undefined;
}

function targetOf(key: string, value: string): ConstraintTarget {
  const k = key.toLowerCase();
  const simple = SIMPLE[k];
  if (simple !== undefined) return { kind: simple } as ConstraintTarget;
  if (k === 'node.ip') return { kind: 'ip', ip: parseIp(value), cidr: parseCidr(value) };
  const nodeLabel = labelAfter(key, NODE_LABEL_PREFIX);
  if (nodeLabel !== undefined) return { kind: 'node-label', label: nodeLabel };
  const engineLabel = labelAfter(key, ENGINE_LABEL_PREFIX);
  if (engineLabel !== undefined) return { kind: 'engine-label', label: engineLabel };
  return { kind: 'unknown' };
}

/** One expression; the error text is swarmkit's. */
export function parseConstraint(
  expr: string,
): { ok: true; constraint: Constraint } | { ok: false; error: string } {
  const operator: ConstraintOperator | null = expr.includes('==') ? '==' : expr.includes('!=') ? '!=' : null;
  if (operator === null) return { ok: false, error: 'constraint expected one operator from ==, !=' };
  const at = expr.indexOf(operator);
  const key = expr.slice(0, at).trim();
  const value = expr.slice(at + operator.length).trim();
  if (!KEY.test(key)) return { ok: false, error: `key '${key}' is invalid` };
  if (!VALUE.test(value)) return { ok: false, error: `value '${value}' is invalid` };
  return {
    ok: true,
    constraint: { key, operator, value, folded: value.toLowerCase(), target: targetOf(key, value) },
  };
}

/** Every expression, or the first one's error. */
export function parseConstraints(exprs: readonly string[]): ConstraintParse {
  const constraints: Constraint[] = [];
  for (const e of exprs) {
    const r = parseConstraint(e);
    if (!r.ok) return r;
    constraints.push(r.constraint);
  }
  return { ok: true, constraints };
}

/** A label's value, "" when absent (own properties only: `constructor` is not a label). */
export function labelValue(labels: Readonly<Labels> | undefined, name: string): string {
  return labels !== undefined && Object.hasOwn(labels, name) ? (labels[name] ?? '') : '';
}

function equalsFolded(c: Constraint, actual: string): boolean {
  return (actual.toLowerCase() === c.folded) === (c.operator === '==');
}

function matchesIp(c: Constraint, ip: bigint | null, cidr: Cidr | null, node: Node): boolean {
  const addr = node.Status.Addr ? parseIp(node.Status.Addr) : null;
  let hit: boolean;
  if (ip !== null) hit = addr !== null && addr === ip;
  else if (cidr !== null) hit = addr !== null && cidrContains(cidr, addr);
  else return false; // a malformed address or block matches no node
  return hit === (c.operator === '==');
}

/** Does `node` satisfy one constraint? */
export function constraintMatches(c: Constraint, node: Node): boolean {
  const t = c.target;
  const d = node.Description;
  switch (t.kind) {
    case 'id':
      return equalsFolded(c, node.ID);
    case 'hostname':
      return equalsFolded(c, d?.Hostname ?? '');
    case 'role':
      return equalsFolded(c, node.Spec.Role);
    case 'os':
      return equalsFolded(c, d?.Platform?.OS ?? '');
    case 'arch':
      return equalsFolded(c, d?.Platform?.Architecture ?? '');
    case 'ip':
      return matchesIp(c, t.ip, t.cidr, node);
    case 'node-label':
      return equalsFolded(c, labelValue(node.Spec.Labels, t.label));
    case 'engine-label':
      return equalsFolded(c, labelValue(d?.Engine?.Labels, t.label));
    case 'unknown':
      return false;
  }
}

/** True when the node satisfies every constraint. */
export function nodeMatchesConstraints(constraints: readonly Constraint[], node: Node): boolean {
  return constraints.every((c) => constraintMatches(c, node));
}

export type SpreadTarget =
  | { readonly kind: 'node-label' | 'engine-label'; readonly label: string }
  | { readonly kind: 'unsupported' };

/** What a spread preference spreads over; swarmkit skips 'unsupported' descriptors. */
export function parseSpreadDescriptor(descriptor: string): SpreadTarget {
  const nodeLabel = labelAfter(descriptor, NODE_LABEL_PREFIX);
  if (nodeLabel !== undefined) return { kind: 'node-label', label: nodeLabel };
  const engineLabel = labelAfter(descriptor, ENGINE_LABEL_PREFIX);
  if (engineLabel !== undefined) return { kind: 'engine-label', label: engineLabel };
  return { kind: 'unsupported' };
}

/** The node's value for a spread target ("" when it lacks the label), undefined if unsupported. */
export function spreadValue(target: SpreadTarget, node: Node): string | undefined {
  switch (target.kind) {
    case 'node-label':
      return labelValue(node.Spec.Labels, target.label);
    case 'engine-label':
      return labelValue(node.Description?.Engine?.Labels, target.label);
    case 'unsupported':
      return undefined;
  }
}
