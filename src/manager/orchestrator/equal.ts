/**
 * Structural equality of JSON-shaped values, as the store holds them: a property whose
 * value is `undefined` counts as absent (JSON drops it on the way through Raft, so a spec
 * written with `Placement: undefined` and one read back without it are the same spec).
 * Used to decide whether a task still matches its service and whether an update is
 * already working towards a spec.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let nx = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    nx++;
    if (!Object.hasOwn(y, k) || !deepEqual(x[k], y[k])) return false;
  }
  let ny = 0;
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) ny++;
  return nx === ny;
}
