/**
 * Nodes, secrets and configs in the Engine's JSON. Annotations always carry `Labels` (Go's
 * field has no omitempty), a secret's Data is never shown (a config's is), Go's nulls go.
 */
import type { Node } from '../../api/node.ts';
import type { Config, Secret } from '../../api/secret.ts';
import type { Stored } from '../../store/index.ts';
import { stripNulls } from '../request.ts';

type Json = Record<string, unknown>;

function meta(
  o: Stored<{ ID: string; Version: { Index: number }; CreatedAt: string; UpdatedAt: string }>,
): Json {
  return { ID: o.ID, Version: { Index: o.Version.Index }, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt };
}

export function nodeToEngine(n: Stored<Node>): Json {
  const out: Json = { ...meta(n), Spec: { ...n.Spec, Labels: n.Spec.Labels ?? {} } };
  if (n.Description !== undefined) out.Description = n.Description;
  out.Status = n.Status;
  if (n.ManagerStatus !== undefined) out.ManagerStatus = n.ManagerStatus;
  return stripNulls(out) as Json;
}

export function secretToEngine(s: Stored<Secret>): Json {
  const { Data: _hidden, ...spec } = s.Spec;
  return stripNulls({ ...meta(s), Spec: { ...spec, Labels: spec.Labels ?? {} } }) as Json;
}

export function configToEngine(c: Stored<Config>): Json {
  return stripNulls({ ...meta(c), Spec: { ...c.Spec, Labels: c.Spec.Labels ?? {} } }) as Json;
}
