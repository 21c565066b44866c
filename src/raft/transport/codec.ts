/**
 * Conversions between the Raft core's plain types (core/types.ts) and the generated
 * protobuf types (src/gen/shoal/raft/v1/raft.ts), plus the size estimate that bounds
 * batches. Decoding copies every byte payload out of the received frame: a view would keep
 * the whole batch buffer alive for as long as the log holds one of its entries.
 */

import {
  type Entry as PbEntry,
  EntryType as PbEntryType,
  type Message as PbMessage,
  MessageType as PbMessageType,
  type Snapshot as PbSnapshot,
  type SnapshotMeta as PbSnapshotMeta,
} from '../../gen/shoal/raft/v1/raft.ts';
import type { Entry, EntryType, Message, MessageType, Snapshot, SnapshotMeta } from '../core/types.ts';

const TYPE_TO_PB: Record<MessageType, PbMessageType> = {
  app: PbMessageType.MESSAGE_TYPE_APP,
  appResp: PbMessageType.MESSAGE_TYPE_APP_RESP,
  vote: PbMessageType.MESSAGE_TYPE_VOTE,
  voteResp: PbMessageType.MESSAGE_TYPE_VOTE_RESP,
  preVote: PbMessageType.MESSAGE_TYPE_PRE_VOTE,
  preVoteResp: PbMessageType.MESSAGE_TYPE_PRE_VOTE_RESP,
  heartbeat: PbMessageType.MESSAGE_TYPE_HEARTBEAT,
  heartbeatResp: PbMessageType.MESSAGE_TYPE_HEARTBEAT_RESP,
  snap: PbMessageType.MESSAGE_TYPE_SNAP,
  timeoutNow: PbMessageType.MESSAGE_TYPE_TIMEOUT_NOW,
  readIndex: PbMessageType.MESSAGE_TYPE_READ_INDEX,
  readIndexResp: PbMessageType.MESSAGE_TYPE_READ_INDEX_RESP,
  transferLeader: PbMessageType.MESSAGE_TYPE_TRANSFER_LEADER,
};

const TYPE_FROM_PB = new Map<number, MessageType>(
  Object.entries(TYPE_TO_PB).map(([k, v]) => [v, k as MessageType]),
);

/** Thrown by the decoders on a message this version cannot understand. */
export class CodecError extends Error {
  override name = 'CodecError';
}

/**
 * A plain Uint8Array copy. Not `b.slice()`: the decoder's arrays are Buffers, and
 * Buffer#slice returns a view of the same memory.
 */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

export function entryToPb(e: Entry): PbEntry {
  return {
    term: e.term,
    index: e.index,
    type: e.type === 'conf' ? PbEntryType.ENTRY_TYPE_CONF : PbEntryType.ENTRY_TYPE_NORMAL,
    data: e.data,
  };
}

export function entryFromPb(e: PbEntry): Entry {
  let type: EntryType;
  if (e.type === PbEntryType.ENTRY_TYPE_NORMAL) type = 'normal';
  else if (e.type === PbEntryType.ENTRY_TYPE_CONF) type = 'conf';
  else throw new CodecError(`unknown entry type ${e.type}`);
  return { term: e.term, index: e.index, type, data: copy(e.data) };
}

export function snapshotMetaToPb(m: SnapshotMeta): PbSnapshotMeta {
  return { index: m.index, term: m.term, conf: { voters: m.conf.voters, learners: m.conf.learners } };
}

export function snapshotMetaFromPb(m: PbSnapshotMeta | undefined): SnapshotMeta {
  if (m === undefined) throw new CodecError('snapshot without metadata');
  return {
    index: m.index,
    term: m.term,
    conf: { voters: m.conf?.voters ?? [], learners: m.conf?.learners ?? [] },
  };
}

function snapshotToPb(s: Snapshot, withData: boolean): PbSnapshot {
  return { meta: snapshotMetaToPb(s.meta), data: withData ? s.data : new Uint8Array(0) };
}

/**
 * `withSnapshotData: false` sends a 'snap' message's envelope: the snapshot's metadata
 * without its data, which follows in SnapshotChunks.
 */
export function messageToPb(m: Message, withSnapshotData = true): PbMessage {
  const pb: PbMessage = {
    type: TYPE_TO_PB[m.type],
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    force: m.force,
    entries: m.entries.map(entryToPb),
  };
  if (m.snapshot !== undefined) pb.snapshot = snapshotToPb(m.snapshot, withSnapshotData);
  if (m.context !== undefined) pb.context = m.context;
  return pb;
}

export function messageFromPb(pb: PbMessage): Message {
  const type = TYPE_FROM_PB.get(pb.type);
  if (type === undefined) throw new CodecError(`unknown message type ${pb.type}`);
  const m: Message = {
    type,
    from: pb.from,
    to: pb.to,
    term: pb.term,
    logTerm: pb.logTerm,
    index: pb.index,
    commit: pb.commit,
    reject: pb.reject,
    rejectHint: pb.rejectHint,
    force: pb.force,
    entries: pb.entries.map(entryFromPb),
  };
  if (pb.snapshot !== undefined) {
    m.snapshot = { meta: snapshotMetaFromPb(pb.snapshot.meta), data: copy(pb.snapshot.data) };
  }
  if (pb.context !== undefined) m.context = copy(pb.context);
  return m;
}

/**
 * Rough encoded size of a message (fixed fields, entries, context, snapshot data): what
 * maxBatchBytes and the gRPC message limit are compared with. Errs on the large side.
 */
export function messageSize(m: Message): number {
  let n = 64 + m.from.length + m.to.length;
  for (const e of m.entries) n += e.data.byteLength + 24;
  if (m.context !== undefined) n += m.context.byteLength + 4;
  if (m.snapshot !== undefined) {
    n += m.snapshot.data.byteLength + 32;
    for (const id of m.snapshot.meta.conf.voters) n += id.length + 2;
    for (const id of m.snapshot.meta.conf.learners) n += id.length + 2;
  }
  return n;
}
