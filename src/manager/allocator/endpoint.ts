/**
 * Comparing a service's stored Endpoint with the one the allocator wants it to have, so a
 * service is written only when something changed (a re-read or a new leader's first pass
 * writes nothing for services already allocated). A service that needs nothing (no
 * published port, no network) and has no Endpoint stays without one, as in swarmkit.
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Endpoint } from '../../api/service.ts';

export function sameEndpoint(stored: DeepReadonly<Endpoint> | undefined, wanted: Endpoint): boolean {
  if (!stored) return !wanted.Ports?.length && !wanted.VirtualIPs?.length;
  return jsonEqual(stored, wanted);
}

/** Equality of JSON-shaped values; an absent property equals one set to undefined. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) if (!jsonEqual(ao[k], bo[k])) return false;
  for (const k of Object.keys(bo)) if (!(k in ao) && bo[k] !== undefined) return false;
  return true;
}
