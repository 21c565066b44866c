/**
 * The vocabulary of the Raft core: log entries, hard state, configuration, snapshots and
 * messages. Plain data, no behaviour, so the storage, the transport and the simulator can
 * share it without depending on the state machine in raft.ts.
 */

/** A Raft member id. Shoal uses the node id (25 base-36 characters); tests use short names. */
export type NodeId = string;

/** No node: an empty vote, an unknown leader. */
export const NONE: NodeId = '';

/**
 * `normal` entries carry application commands (an empty one is the leader's no-op);
 * `conf` entries carry an encoded ConfChangeEntry (see confchange.ts).
 */
export type EntryType = 'normal' | 'conf';

export interface Entry {
  term: number;
  index: number;
  type: EntryType;
  data: Uint8Array;
}

/** What must be on stable storage before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

/** A cluster configuration: voters decide, learners only receive the log. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMeta {
  index: number;
  term: number;
  conf: ConfState;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

export type MessageType =
  | 'app'
  | 'appResp'
  | 'vote'
  | 'voteResp'
  | 'preVote'
  | 'preVoteResp'
  | 'heartbeat'
  | 'heartbeatResp'
  | 'snap'
  | 'timeoutNow'
  | 'readIndex'
  | 'readIndexResp'
  | 'transferLeader';

export const MESSAGE_TYPES: readonly MessageType[] = [
  'app',
  'appResp',
  'vote',
  'voteResp',
  'preVote',
  'preVoteResp',
  'heartbeat',
  'heartbeatResp',
  'snap',
  'timeoutNow',
  'readIndex',
  'readIndexResp',
  'transferLeader',
];

/**
 * One message between members. Every field is always present (zero when unused) so the
 * wire codec is trivial; `entries`, `snapshot` and `context` are optional payloads.
 *
 * Field use by type:
 * - app: index/logTerm = the entry preceding `entries`; commit = leader's commit.
 * - appResp: index = last index the follower now matches (or the rejected index);
 *   reject + rejectHint/logTerm = where the leader should probe next.
 * - vote/preVote: index/logTerm = candidate's last entry; `force` = leadership transfer.
 * - heartbeat: commit = min(leader commit, follower match); context = ReadIndex round.
 * - snap: snapshot = the whole snapshot (the transport streams it in chunks).
 * - readIndex/readIndexResp: context = the caller's request id; index = read index.
 */
export interface Message {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  logTerm: number;
  index: number;
  commit: number;
  reject: boolean;
  rejectHint: number;
  force: boolean;
  entries: Entry[];
  snapshot?: Snapshot;
  context?: Uint8Array;
}

export function message(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to'>): Message {
  return {
    term: 0,
    logTerm: 0,
    index: 0,
    commit: 0,
    reject: false,
    rejectHint: 0,
    force: false,
    entries: [],
    ...fields,
  };
}

export function emptyHardState(): HardState {
  return { term: 0, vote: NONE, commit: 0 };
}

export function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export function emptyConfState(): ConfState {
  return { voters: [], learners: [] };
}

export function emptySnapshot(): Snapshot {
  return { meta: { index: 0, term: 0, conf: emptyConfState() }, data: new Uint8Array(0) };
}

/** Rough wire size of an entry, used to bound message and batch sizes. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

export type StateType = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** Volatile state worth telling the application about when it changes. */
export interface SoftState {
  lead: NodeId;
  state: StateType;
}

/** A completed ReadIndex request: reads at `index` (once applied) are linearizable. */
export interface ReadState {
  index: number;
  context: Uint8Array;
}

export type ProposeRefusal =
  /** Only the leader accepts writes; `leader` is who to ask (NONE: no leader known). */
  | 'not-leader'
  /** The leader is handing over leadership and accepts nothing until it is done. */
  | 'transferring'
  /** A membership change is already in progress (or the new leader has not settled). */
  | 'conf-pending'
  /** The membership change makes no sense for the current configuration. */
  | 'invalid-conf'
  /** Too many uncommitted bytes: the leader is overloaded, retry later. */
  | 'overloaded';

/** Expected outcomes are values: a refused proposal says why and who the leader is. */
export type ProposeOutcome =
  | { ok: true; index: number; term: number }
  | { ok: false; reason: ProposeRefusal; leader: NodeId; message: string };
