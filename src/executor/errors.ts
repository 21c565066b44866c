/**
 * Why an executor step could not be done. The message is shown to users as the task's
 * Err, so it says what Docker says where Docker says something ("No such image: x:1").
 * A temporary error (the runtime is briefly unreachable) makes the runner retry the step
 * instead of failing the task, as swarmkit's exec.IsTemporary does.
 */
import { type ErrorCode, ShoalError } from '../base/errors.ts';

export class ExecutorError extends ShoalError {
  readonly temporary: boolean;

  constructor(code: ErrorCode, message: string, options: { temporary?: boolean; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.temporary = options.temporary ?? false;
  }
}

export function isTemporary(e: unknown): boolean {
  return e instanceof ExecutorError && e.temporary;
}

/** The message a thrown value shows as a task's Err. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** `nginx` -> `nginx:latest`; references with a tag or digest are kept as written. */
export function imageRef(image: string): string {
  if (image.includes('@')) return image;
  const lastPart = image.slice(image.lastIndexOf('/') + 1);
  return lastPart.includes(':') ? image : `${image}:latest`;
}

/** Docker's error when a task's image is neither local nor pullable. */
export function noSuchImage(image: string): ExecutorError {
  return new ExecutorError('not_found', `No such image: ${imageRef(image)}`);
}

export function controllerClosed(): ExecutorError {
  return new ExecutorError('failed_precondition', 'exec: controller closed');
}

export function cancelled(what: string): ExecutorError {
  return new ExecutorError('cancelled', `${what} cancelled`);
}
