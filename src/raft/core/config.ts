/**
 * Settings of one Raft member. Defaults follow Docker's swarm: a heartbeat every tick and
 * an election timeout of 10 ticks; with Shoal's 100 ms tick a failed leader is replaced
 * in about one to two seconds.
 */
import type { Logger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import type { LogStorage } from '../storage/storage.ts';
import type { NodeId } from './types.ts';

export interface RaftConfig {
  id: NodeId;
  storage: LogStorage;
  rng: Rng;
  logger?: Logger;
  /** Ticks without hearing from a leader before a follower campaigns (randomized up to 2x). */
  electionTick?: number;
  /** Ticks between a leader's heartbeats. */
  heartbeatTick?: number;
  /** Last index the application applied (on restart), so committed entries are not re-applied. */
  applied?: number;
  /** Upper bound on the bytes of entries in one append message. */
  maxSizePerMsg?: number;
  /** Appends in flight to one follower in the replicate state. */
  maxInflightMsgs?: number;
  /** Bytes of committed entries handed out in one Ready. */
  maxCommittedSizePerReady?: number;
  /** Bytes of uncommitted entries a leader accepts before refusing proposals (0: unlimited). */
  maxUncommittedEntriesSize?: number;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  checkQuorum?: boolean;
  /** Candidates first ask whether they could win, without disturbing terms. */
  preVote?: boolean;
}

export type ResolvedConfig = Required<Omit<RaftConfig, 'logger'>> & Pick<RaftConfig, 'logger'>;

export function resolveConfig(c: RaftConfig): ResolvedConfig {
  const r: ResolvedConfig = {
    electionTick: 10,
    heartbeatTick: 1,
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 256,
    maxCommittedSizePerReady: 16 * 1024 * 1024,
    maxUncommittedEntriesSize: 256 * 1024 * 1024,
    checkQuorum: true,
    preVote: true,
    ...c,
  };
  if (r.id === '') throw new Error('raft config: id must not be empty');
  if (r.heartbeatTick <= 0) throw new Error('raft config: heartbeatTick must be greater than 0');
  if (r.electionTick <= r.heartbeatTick)
    throw new Error('raft config: electionTick must be greater than heartbeatTick');
  if (r.maxInflightMsgs <= 0) throw new Error('raft config: maxInflightMsgs must be greater than 0');
  return r;
}
