/**
 * Domain errors carry a stable `code`; the HTTP layer maps codes to status codes in one
 * table. Expected outcomes (a scheduling decision, a rejected proposal) are values, not
 * exceptions: these classes are for failures a caller must handle or report.
 */
export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'conflict'
  | 'failed_precondition'
  | 'unavailable'
  | 'not_leader'
  | 'timeout'
  | 'cancelled'
  | 'corrupt'
  | 'internal';

export class ShoalError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isShoalError(e: unknown, code?: ErrorCode): e is ShoalError {
  return e instanceof ShoalError && (code === undefined || e.code === code);
}
