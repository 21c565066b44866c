/**
 * The stale-write rule. Every update names the `Version.Index` it was based on
 * (`?version=N`); if the object has changed since, swarmkit's store refuses with
 * "update out of sequence" and Docker answers it as a conflict. The store calls this
 * inside its transaction, against the object's current version.
 */
import type { ObjectVersion } from '../meta.ts';
import { UpdateOutOfSequenceError } from './problem.ts';

const indexOf = (v: ObjectVersion | number): number => (typeof v === 'number' ? v : v.Index);

/** True when an update based on `given` may be applied to an object at `current`. */
export function isCurrentVersion(current: ObjectVersion | number, given: ObjectVersion | number): boolean {
  return indexOf(current) === indexOf(given);
}

/** Throws UpdateOutOfSequenceError (code `conflict`) unless `given` is the current version. */
export function checkVersion(current: ObjectVersion | number, given: ObjectVersion | number): void {
  if (!isCurrentVersion(current, given)) throw new UpdateOutOfSequenceError(indexOf(current), indexOf(given));
}
