/**
 * The store's failures, each a ShoalError with a stable code and Docker's words, so the
 * HTTP layer can show them as the Engine does:
 *
 *   not_found         "service web not found"                       (Engine: 404)
 *   invalid_argument  "service w is ambiguous (2 matches found)"     (400)
 *   already_exists    "name conflicts with an existing object: service web already exists" (409)
 *   conflict          "update out of sequence"                      (409)
 *   failed_precondition  a task's state moving backward
 *
 * They travel as values inside apply results (every member computes the same ones), and
 * reject the promise of `store.update`.
 */
import { type ErrorCode, ShoalError } from '../base/errors.ts';

/** The object does not exist (lookups, and updates or deletes at apply time). */
export class NotFoundError extends ShoalError {
  constructor(
    readonly kind: string,
    readonly ref: string,
  ) {
    super('not_found', `${kind} ${ref} not found`);
  }
}

/** A name or id prefix matched several objects. */
export class AmbiguousError extends ShoalError {
  constructor(
    readonly kind: string,
    readonly ref: string,
    readonly matches: number,
  ) {
    super('invalid_argument', `${kind} ${ref} is ambiguous (${matches} matches found)`);
  }
}

/** A create named an id that is taken. */
export class AlreadyExistsError extends ShoalError {
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super('already_exists', `object already exists: ${kind} ${id}`);
  }
}

/** Another object of the table holds the name (names are unique, case-insensitively). */
export class NameConflictError extends ShoalError {
  constructor(
    readonly kind: string,
    readonly conflictName: string,
    message: string,
  ) {
    super('already_exists', message);
  }
}

/**
 * The update was based on a version that is no longer current: someone else wrote the
 * object since it was read. The message is exactly swarmkit's.
 */
export class SequenceConflictError extends ShoalError {
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super('conflict', 'update out of sequence');
  }
}

/** A table rule refused the change (a task state moving backward, a missing id). */
export class RuleError extends ShoalError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

/** Anything thrown by a transaction callback that is not already a ShoalError is a bug. */
export function isExpectedFailure(e: unknown): e is ShoalError {
  return e instanceof ShoalError;
}
