/**
 * The control API's failures, worded as a docker client prints them after "Error response
 * from daemon: ". Docker raises them in two places, and the wording shows which:
 *
 *   daemon (moby daemon/cluster)   plain text        "service web not found", "Invalid filter 'x'"
 *   swarmkit (manager/controlapi)  gRPC status text  "rpc error: code = FailedPrecondition desc =
 *                                                     node 3x1… is not down and can't be removed"
 *
 * Every error is a ControlApiError: a ShoalError whose `code` the HTTP layer maps to a status
 * in its one table, plus `httpStatus`, the status Docker itself answers with (moby maps gRPC
 * codes: InvalidArgument and FailedPrecondition 400, NotFound 404, AlreadyExists 409,
 * PermissionDenied 403, Unimplemented 501, Unknown 500), for a layer that wants fidelity.
 * `detail` is the text without the gRPC wrapper; `problems` carries validation's findings.
 */

import { dockerMessage, type Problem } from '../../api/validate/index.ts';
import { type ErrorCode, ShoalError } from '../../base/errors.ts';
import {
  AmbiguousError,
  NameConflictError,
  NotFoundError,
  SequenceConflictError,
} from '../../store/index.ts';

export type RpcCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'AlreadyExists'
  | 'FailedPrecondition'
  | 'PermissionDenied'
  | 'Unimplemented'
  | 'Unknown';

const RPC_STATUS: Record<RpcCode, number> = {
  InvalidArgument: 400,
  NotFound: 404,
  AlreadyExists: 409,
  FailedPrecondition: 400,
  PermissionDenied: 403,
  Unimplemented: 501,
  Unknown: 500,
};

export class ControlApiError extends ShoalError {
  constructor(
    code: ErrorCode,
    message: string,
    /** The text without the `rpc error: ...` wrapper. */
    readonly detail: string,
    /** The status Docker answers with. */
    readonly httpStatus: number,
    readonly rpc?: RpcCode,
    readonly problems: readonly Problem[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** An error swarmkit raises: Docker shows it as `rpc error: code = X desc = text`. */
export function rpcError(code: ErrorCode, rpc: RpcCode, detail: string, cause?: unknown): ControlApiError {
  const message = `rpc error: code = ${rpc} desc = ${detail}`;
  return new ControlApiError(code, message, detail, RPC_STATUS[rpc], rpc, [], { cause });
}

/** An error the Docker daemon raises itself (plain text). */
export function daemonError(code: ErrorCode, detail: string, httpStatus: number): ControlApiError {
  return new ControlApiError(code, detail, detail, httpStatus);
}

/** Validation problems (Docker's first one is the message); returns when there are none. */
export function throwProblems(problems: readonly Problem[]): void {
  const p = problems[0];
  if (p === undefined) return;
  throw new ControlApiError(p.code, dockerMessage(p), p.message, p.httpStatus, p.grpc, problems);
}

/** `x not found` / `x is ambiguous (n matches found)` from resolving a reference. */
export function lookupError(e: NotFoundError | AmbiguousError): ControlApiError {
  return e instanceof NotFoundError
    ? daemonError('not_found', e.message, 404)
    : daemonError('invalid_argument', e.message, 400);
}

/**
 * The store's failures as Docker words them once they crossed swarmkit's gRPC: a stale
 * version is `rpc error: code = Unknown desc = update out of sequence` (Docker answers 500:
 * docker/docker-py#1848), a taken name is AlreadyExists, except for networks, whose clash
 * the daemon reports itself (`network with name n already exists`, 409).
 */
export function fromStoreError(e: unknown): unknown {
  if (e instanceof ControlApiError) return e;
  if (e instanceof SequenceConflictError) return rpcError('conflict', 'Unknown', e.message, e);
  if (e instanceof NameConflictError) {
    if (e.kind === 'network') return daemonError('already_exists', e.message, 409);
    return rpcError('already_exists', 'AlreadyExists', e.message, e);
  }
  if (e instanceof NotFoundError) return rpcError('not_found', 'NotFound', e.message, e);
  if (e instanceof AmbiguousError) return lookupError(e);
  return e;
}

/** Runs a store write and rethrows its failure in Docker's words. */
export async function storeWrite<R>(write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (e) {
    throw fromStoreError(e);
  }
}
