/**
 * Typed failures of Raft operations, each with a stable code. A caller can always tell
 * "try the leader instead" from "try again" from "gave up".
 */
import { ShoalError } from '../base/errors.ts';
import type { NodeId } from './core/types.ts';

/** Only the leader accepts writes and linearizable reads. */
export class NotLeaderError extends ShoalError {
  constructor(
    readonly leader: NodeId,
    readonly leaderAddress: string | undefined,
    detail?: string,
  ) {
    const who = leader
      ? `the leader is ${leader}${leaderAddress ? ` at ${leaderAddress}` : ''}`
      : 'no leader is known';
    super('not_leader', `raft: not the leader; ${who}${detail ? ` (${detail})` : ''}`);
  }
}

/** The proposal was appended but then overwritten by a new leader: it did not happen. */
export class ProposalDroppedError extends ShoalError {
  constructor(index: number, term: number) {
    super('unavailable', `raft: proposal at ${term}/${index} was dropped by a leadership change; retry`);
  }
}

/** No outcome within the deadline: it may still have happened. */
export class ProposalTimeoutError extends ShoalError {
  constructor(what: string, ms: number) {
    super('timeout', `raft: ${what} timed out after ${ms} ms; it may or may not have taken effect`);
  }
}

/** The leader refused for a reason a retry may fix (transfer under way, overload, change pending). */
export class ProposalRefusedError extends ShoalError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(reason === 'invalid-conf' ? 'invalid_argument' : 'unavailable', `raft: ${message}`);
  }
}

/** The member is shutting down or has stopped. */
export class StoppedError extends ShoalError {
  constructor() {
    super('cancelled', 'raft: member stopped');
  }
}
