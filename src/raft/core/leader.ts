/**
 * The leader's side of Raft: replicating the log to each follower under flow control,
 * advancing the commit index (only by counting entries of its own term: the figure-8
 * rule), answering ReadIndex requests after a heartbeat round, and handing leadership
 * over on request.
 */
import { CompactedError } from '../storage/storage.ts';
import type { Raft } from './raft.ts';
import { type Entry, type EntryType, type Message, NONE, type NodeId } from './types.ts';

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appResp':
      handleAppendResponse(r, m);
      return;
    case 'heartbeatResp':
      handleHeartbeatResponse(r, m);
      return;
    case 'readIndex':
      handleReadIndex(r, m);
      return;
    case 'transferLeader':
      handleTransferLeader(r, m.from);
      return;
    case 'app':
    case 'heartbeat':
    case 'snap':
      // Two leaders in one term cannot happen; a message like this means a bug elsewhere.
      r.logger.error(
        { from: m.from, type: m.type, term: m.term },
        'leader received a leader message of its own term',
      );
      return;
    default:
      return;
  }
}

/**
 * Appends entries at the leader's term. The no-op of a new term bypasses the
 * uncommitted-size limit. Returns the entries, or null when refused for size.
 */
export function appendEntries(
  r: Raft,
  items: ReadonlyArray<{ type: EntryType; data: Uint8Array }>,
  noLimit: boolean,
): Entry[] | null {
  let size = 0;
  for (const it of items) size += it.data.byteLength;
  const max = r.cfg.maxUncommittedEntriesSize;
  if (!noLimit && max > 0 && r.uncommittedSize > 0 && r.uncommittedSize + size > max) return null;
  r.uncommittedSize += size;
  const li = r.log.lastIndex();
  const ents: Entry[] = items.map((it, i) => ({
    term: r.term,
    index: li + 1 + i,
    type: it.type,
    data: it.data,
  }));
  r.log.append(ents);
  if (r.membership.onWrite(li + 1, ents)) {
    r.tracker.applyConf(r.membership.current(), r.log.lastIndex() + 1);
    r.pendingConfIndex = r.membership.lastConfIndex();
  }
  r.tracker.progress.get(r.id)?.maybeUpdate(r.log.lastIndex());
  maybeCommit(r);
  return ents;
}

export function reduceUncommittedSize(r: Raft, ents: readonly Entry[]): void {
  if (r.uncommittedSize === 0) return;
  let size = 0;
  for (const e of ents) size += e.data.byteLength;
  r.uncommittedSize = Math.max(0, r.uncommittedSize - size);
}

/** Commits what a majority of voters hold, if it is of this term. */
export function maybeCommit(r: Raft): boolean {
  if (!r.log.maybeCommit(r.tracker.committed(), r.term)) return false;
  releasePendingReadIndex(r);
  return true;
}

export function sendAppend(r: Raft, to: NodeId): void {
  maybeSendAppend(r, to, true);
}

/** Sends the next append (or snapshot) to `to` if flow control allows. */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  let ents: Entry[] = [];
  let compacted = prevTerm === undefined;
  if (!compacted) {
    try {
      ents = r.log.entries(pr.next, r.cfg.maxSizePerMsg);
    } catch (e) {
      if (!(e instanceof CompactedError)) throw e;
      compacted = true;
    }
  }
  if (compacted) {
    if (!pr.recentActive) return false;
    const snap = r.log.snapshot();
    if (snap.meta.index === 0) throw new Error(`raft: ${to} needs a snapshot but none exists`);
    pr.becomeSnapshot(snap.meta.index);
    r.out('snap', to, { snapshot: snap });
    r.logger.info({ to, index: snap.meta.index }, 'sending snapshot to a lagging follower');
    return true;
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  const last = ents[ents.length - 1];
  r.out('app', to, { index: prevIndex, logTerm: prevTerm, entries: ents, commit: r.log.committed });
  pr.sentEntries(ents.length, last ? last.index : prevIndex);
  return true;
}

export function bcastAppend(r: Raft): void {
  for (const id of r.tracker.ids()) if (id !== r.id) sendAppend(r, id);
}

/** Sends a heartbeat to every member; it carries the newest pending ReadIndex context. */
export function bcastHeartbeat(r: Raft): void {
  const ctx = r.readOnly.lastPendingContext();
  for (const id of r.tracker.ids()) {
    if (id === r.id) continue;
    const pr = r.tracker.progress.get(id);
    if (!pr) continue;
    const fields: Partial<Message> = { commit: Math.min(pr.match, r.log.committed) };
    if (ctx) fields.context = ctx;
    r.out('heartbeat', id, fields);
  }
}

function handleAppendResponse(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  if (m.reject) {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm)[0];
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && pr.match + 1 >= r.log.firstIndex()) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') pr.inflights.freeLE(m.index);

  if (maybeCommit(r)) {
    bcastAppend(r);
    if (maybeStepDownAfterRemoval(r)) return;
  } else if (wasPaused) {
    sendAppend(r, m.from);
  }
  while (maybeSendAppend(r, m.from, false)) {
    // Fill the inflight window.
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.out('timeoutNow', m.from);
  }
}

function handleHeartbeatResponse(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.probeSent = false;
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);
  if (!m.context || m.context.byteLength === 0 || r.readOnly.size === 0) return;
  r.readOnly.recvAck(m.from, m.context);
  const acks = r.readOnly.acks(m.context);
  if (!acks) return;
  let voters = 0;
  for (const id of acks) if (r.tracker.isVoter(id)) voters++;
  if (voters < r.tracker.quorum()) return;
  for (const req of r.readOnly.advance(m.context)) respondRead(r, req.from, req.index, req.context);
}

function committedEntryInCurrentTerm(r: Raft): boolean {
  return r.log.term(r.log.committed) === r.term;
}

function handleReadIndex(r: Raft, m: Message): void {
  const ctx = m.context ?? new Uint8Array(0);
  if (r.tracker.voters.size === 1 && r.tracker.isVoter(r.id)) {
    respondRead(r, m.from, r.log.committed, ctx);
    return;
  }
  if (!committedEntryInCurrentTerm(r)) {
    // The commit index of a new leader may lag the true one until its no-op commits.
    r.pendingReadIndex.push(m);
    return;
  }
  r.readOnly.addRequest(r.log.committed, m.from, ctx, r.id);
  bcastHeartbeat(r);
}

function releasePendingReadIndex(r: Raft): void {
  if (r.pendingReadIndex.length === 0 || !committedEntryInCurrentTerm(r)) return;
  const pending = r.pendingReadIndex;
  r.pendingReadIndex = [];
  for (const m of pending) handleReadIndex(r, m);
}

function respondRead(r: Raft, from: NodeId, index: number, context: Uint8Array): void {
  if (from === NONE || from === r.id) r.readStates.push({ index, context });
  else r.out('readIndexResp', from, { index, context });
}

function handleTransferLeader(r: Raft, transferee: NodeId): void {
  const pr = r.tracker.progress.get(transferee);
  if (!pr || pr.isLearner) {
    r.logger.info({ transferee }, 'ignoring leadership transfer to a non-voter');
    return;
  }
  if (r.leadTransferee !== NONE) {
    if (r.leadTransferee === transferee) return;
    abortLeaderTransfer(r);
  }
  if (transferee === r.id) return;
  // The transfer must finish within one election timeout, else it is abandoned.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  r.logger.info({ transferee, term: r.term }, 'transferring leadership');
  if (pr.match === r.log.lastIndex()) r.out('timeoutNow', transferee);
  else sendAppend(r, transferee);
}

export function abortLeaderTransfer(r: Raft): void {
  r.leadTransferee = NONE;
}

/**
 * A leader that removed itself (or made itself a learner) keeps leading until that change
 * commits, then hands over to the most up-to-date voter and steps down.
 */
function maybeStepDownAfterRemoval(r: Raft): boolean {
  if (r.tracker.isVoter(r.id) || r.log.committed < r.pendingConfIndex) return false;
  let best: NodeId = NONE;
  let bestMatch = -1;
  for (const id of [...r.tracker.voters].sort()) {
    const match = r.tracker.progress.get(id)?.match ?? 0;
    if (match > bestMatch) {
      best = id;
      bestMatch = match;
    }
  }
  if (best !== NONE && bestMatch === r.log.lastIndex()) r.out('timeoutNow', best);
  r.becomeFollower(r.term, NONE);
  return true;
}
