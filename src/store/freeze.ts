/**
 * Deep freezing, for tests and debugging (MemoryStoreOptions.freeze): stored objects are
 * immutable by convention, and a frozen store turns a reader's accidental write into a
 * TypeError at the line that did it. Off by default: it costs a walk of every object.
 */
export function deepFreeze<T>(o: T): T {
  if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return o;
  for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}
