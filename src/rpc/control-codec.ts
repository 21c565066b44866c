/**
 * Control calls on the wire: which methods may be forwarded, and how arguments, results
 * and errors travel (JSON; errors field by field, so the follower rebuilds the very
 * ControlApiError the leader raised: code, Docker's message, detail, HTTP status, gRPC
 * code and validation problems).
 */
import type { Problem } from '../api/validate/index.ts';
import { type ErrorCode, ShoalError } from '../base/errors.ts';
import type { ControlError } from '../gen/shoal/control/v1/control.ts';
import type { Control } from '../manager/controlapi/control-api.ts';
import { ControlApiError, type RpcCode } from '../manager/controlapi/errors.ts';

/** Every Control method: the only names the server will call. */
export const CONTROL_METHODS = [
  'createService',
  'getService',
  'listServices',
  'updateService',
  'removeService',
  'getNode',
  'listNodes',
  'updateNode',
  'removeNode',
  'createNetwork',
  'getNetwork',
  'listNetworks',
  'removeNetwork',
  'createSecret',
  'getSecret',
  'listSecrets',
  'updateSecret',
  'removeSecret',
  'createConfig',
  'getConfig',
  'listConfigs',
  'updateConfig',
  'removeConfig',
  'getCluster',
  'updateCluster',
  'getTask',
  'listTasks',
  'joinRaft',
] as const satisfies ReadonlyArray<keyof Control>;

export type ControlMethod = (typeof CONTROL_METHODS)[number];

// Fails to compile when Control gains a method this list lacks.
type Missing = Exclude<keyof Control, ControlMethod>;
export const CONTROL_METHODS_COMPLETE: [Missing] extends [never] ? true : Missing = true;

const METHODS: ReadonlySet<string> = new Set(CONTROL_METHODS);

export function isControlMethod(m: string): m is ControlMethod {
  return METHODS.has(m);
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'invalid_argument',
  'not_found',
  'already_exists',
  'conflict',
  'failed_precondition',
  'unavailable',
  'not_leader',
  'timeout',
  'cancelled',
  'corrupt',
  'internal',
]);

const EMPTY = new Uint8Array(0);

export function encodeJson(v: unknown): Uint8Array {
  return v === undefined ? EMPTY : Buffer.from(JSON.stringify(v), 'utf8');
}

export function decodeJson(b: Uint8Array): unknown {
  if (b.byteLength === 0) return undefined;
  return JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
}

/** Arguments: JSON turns undefined into null; a method sees undefined again at the top level. */
export function decodeArgs(b: Uint8Array): unknown[] {
  const args = decodeJson(b);
  if (!Array.isArray(args)) throw new Error('arguments must be a JSON array');
  return args.map((a) => (a === null ? undefined : a));
}

export function encodeError(e: unknown): ControlError {
  if (e instanceof ControlApiError) {
    return {
      code: e.code,
      message: e.message,
      detail: e.detail,
      httpStatus: e.httpStatus,
      rpc: e.rpc ?? '',
      problemsJson: e.problems.length > 0 ? encodeJson(e.problems) : EMPTY,
    };
  }
  const code = e instanceof ShoalError ? e.code : 'internal';
  const message = e instanceof Error ? e.message : String(e);
  return { code, message, detail: message, httpStatus: 0, rpc: '', problemsJson: EMPTY };
}

/** The error the leader raised, rebuilt: a ControlApiError when it was one, else a ShoalError. */
export function decodeError(pb: ControlError): ShoalError {
  const code: ErrorCode = ERROR_CODES.has(pb.code) ? (pb.code as ErrorCode) : 'internal';
  if (pb.httpStatus === 0) return new ShoalError(code, pb.message);
  const problems = pb.problemsJson.byteLength > 0 ? (decodeJson(pb.problemsJson) as Problem[]) : [];
  const rpc = pb.rpc === '' ? undefined : (pb.rpc as RpcCode);
  return new ControlApiError(code, pb.message, pb.detail, pb.httpStatus, rpc, problems);
}
