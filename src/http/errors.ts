/**
 * The one error table. Every failure a route meets is a ShoalError (ControlApiError is
 * one), and its `code` alone picks the HTTP status; the body is Docker's
 * `{"message": "..."}` with the message the docker CLI prints after "Error response from
 * daemon: ". Two refinements, both explicit:
 *   - a ControlApiError whose `httpStatus` is 403 or 501 (swarmkit's PermissionDenied and
 *     Unimplemented, which Docker passes through) keeps it: clients tell those apart;
 *   - HttpStatusError, for the few answers only HTTP has (page not found, 501 for a
 *     registry lookup this daemon does not do), carries its status.
 * Anything else (a bug) is a 500 with its message, logged with its stack.
 *
 * Also here: Docker's words for a node that cannot serve swarm requests (moby
 * daemon/cluster/errors.go and errNoManager), which the daemon throws too.
 */
import { type ErrorCode, ShoalError } from '../base/errors.ts';
import { ControlApiError } from '../manager/controlapi/index.ts';
import type { SwarmLocalInfo } from './backend.ts';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_argument: 400,
  failed_precondition: 400, // swarmkit FailedPrecondition: Docker answers 400
  not_found: 404,
  already_exists: 409,
  conflict: 409, // a stale ?version= ("update out of sequence"); Docker itself answers 500
  unavailable: 503,
  not_leader: 503,
  timeout: 500,
  cancelled: 500,
  corrupt: 500,
  internal: 500,
};

/** Docker statuses more specific than the code, kept when a ControlApiError carries one. */
const KEPT_HINTS: ReadonlySet<number> = new Set([403, 501]);

/** A failure only the HTTP layer knows, with its own status. */
export class HttpStatusError extends ShoalError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
  ) {
    super(code, message);
  }
}

export const SWARM_MESSAGES = {
  notInSwarmManager:
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
  managerNotReady:
    'This node is not a swarm manager. Manager is being prepared or has trouble connecting to the cluster.',
  worker:
    "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.",
  noSwarm: 'This node is not part of a swarm',
  swarmExists:
    'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.',
  locked:
    'Swarm is encrypted and needs to be unlocked before it can be used. Please use "docker swarm unlock" to unlock it.',
  certificatesExpired: 'Swarm certificates have expired. To replace them, leave the swarm and join again.',
  joinTimeout:
    'Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.',
} as const;

/** A 503 in Docker's words (errNoSwarm, errSwarmExists, ...), for the daemon to throw. */
export function swarmUnavailable(key: keyof typeof SWARM_MESSAGES): ShoalError {
  return new ShoalError('unavailable', SWARM_MESSAGES[key]);
}

/** Why this node cannot answer a manager's request (moby errNoManager). */
export function notManagerError(info: SwarmLocalInfo): ShoalError {
  switch (info.LocalNodeState) {
    case 'locked':
      return swarmUnavailable('locked');
    case 'inactive':
    case 'error':
      return swarmUnavailable('notInSwarmManager');
    default:
      return swarmUnavailable(info.Role === 'manager' ? 'managerNotReady' : 'worker');
  }
}

export interface ErrorAnswer {
  status: number;
  message: string;
  /** Not a ShoalError: a bug, worth a stack in the log. */
  unexpected: boolean;
}

/**
 * Docker decodes a body with encoding/json before anything checks it, so a type error or
 * bad base64 reads `invalid JSON: json: cannot unmarshal ...` there; validation words it
 * without the prefix.
 */
function messageOf(e: ShoalError): string {
  if (e instanceof ControlApiError && e.problems[0]?.origin === 'engine') {
    if (/^(json: |illegal base64)/.test(e.message)) return `invalid JSON: ${e.message}`;
  }
  return e.message;
}

export function errorAnswer(e: unknown): ErrorAnswer {
  if (e instanceof HttpStatusError) return { status: e.status, message: e.message, unexpected: false };
  if (e instanceof ShoalError) {
    let status = STATUS_BY_CODE[e.code] ?? 500;
    if (e instanceof ControlApiError && KEPT_HINTS.has(e.httpStatus)) status = e.httpStatus;
    return { status, message: messageOf(e), unexpected: false };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, message, unexpected: true };
}

export const invalidParameter = (message: string): ShoalError => new ShoalError('invalid_argument', message);
export const pageNotFound = (): HttpStatusError => new HttpStatusError('not_found', 'page not found', 404);
