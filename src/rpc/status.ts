/**
 * gRPC statuses and Shoal's errors. A call that fails at the transport or the gate comes
 * back to the caller as an RpcError: a ShoalError whose `code` says what to do (retry
 * elsewhere: 'unavailable'; give up: the rest) and whose `status` keeps the exact gRPC
 * code. Services refuse with `refuse(status, text)`.
 */
import * as grpc from '@grpc/grpc-js';
import { type ErrorCode, ShoalError } from '../base/errors.ts';

const CODES: Partial<Record<grpc.status, ErrorCode>> = {
  [grpc.status.INVALID_ARGUMENT]: 'invalid_argument',
  [grpc.status.NOT_FOUND]: 'not_found',
  [grpc.status.ALREADY_EXISTS]: 'already_exists',
  [grpc.status.ABORTED]: 'conflict',
  [grpc.status.FAILED_PRECONDITION]: 'failed_precondition',
  // ErrorCode has no permission code: refusals are preconditions the caller cannot fix.
  [grpc.status.PERMISSION_DENIED]: 'failed_precondition',
  [grpc.status.UNAUTHENTICATED]: 'failed_precondition',
  [grpc.status.UNAVAILABLE]: 'unavailable',
  [grpc.status.DEADLINE_EXCEEDED]: 'timeout',
  [grpc.status.CANCELLED]: 'cancelled',
};

export class RpcError extends ShoalError {
  constructor(
    code: ErrorCode,
    message: string,
    /** The gRPC status code. */
    readonly status: grpc.status,
    /** The status text as the server sent it (without our prefix). */
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }

  /** The status's name, e.g. PERMISSION_DENIED. */
  get statusName(): string {
    return grpc.status[this.status] ?? String(this.status);
  }
}

/** A failed call as an RpcError; `what` prefixes the message ("Control.Call to 10.0.0.1:2377"). */
export function rpcErrorFrom(e: unknown, what?: string): RpcError {
  const se = e as Partial<grpc.ServiceError>;
  const status = typeof se.code === 'number' ? (se.code as grpc.status) : grpc.status.UNKNOWN;
  const details = se.details ?? (e instanceof Error ? e.message : String(e));
  const text = what === undefined ? details : `${what}: ${details}`;
  return new RpcError(CODES[status] ?? 'internal', text, status, details, { cause: e });
}

/** What a handler passes to a callback or emits to end a call with `status`. */
export function refuse(status: grpc.status, details: string): Partial<grpc.StatusObject> & Error {
  return Object.assign(new Error(details), { code: status, details, metadata: new grpc.Metadata() });
}

/** The gRPC status for a ShoalError code (for backends that throw them). */
export function statusFor(code: ErrorCode | string): grpc.status {
  switch (code) {
    case 'invalid_argument':
      return grpc.status.INVALID_ARGUMENT;
    case 'not_found':
      return grpc.status.NOT_FOUND;
    case 'already_exists':
      return grpc.status.ALREADY_EXISTS;
    case 'conflict':
      return grpc.status.ABORTED;
    case 'failed_precondition':
      return grpc.status.FAILED_PRECONDITION;
    case 'permission_denied':
      return grpc.status.PERMISSION_DENIED;
    case 'unavailable':
    case 'not_leader':
      return grpc.status.UNAVAILABLE;
    case 'timeout':
      return grpc.status.DEADLINE_EXCEEDED;
    case 'cancelled':
      return grpc.status.CANCELLED;
    default:
      return grpc.status.INTERNAL;
  }
}

/** The host of a grpc-js peer string ("127.0.0.1:5000", "[::1]:5000", "ipv4:1.2.3.4:5"). */
export function peerHost(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  if (p.startsWith('[')) return p.slice(1, p.indexOf(']'));
  const i = p.lastIndexOf(':');
  return i < 0 ? p : p.slice(0, i);
}
