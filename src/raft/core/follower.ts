/**
 * The follower's side of Raft: accepting the leader's appends (and answering a mismatch
 * with a hint that lets the leader skip a whole term at once), heartbeats, snapshots,
 * and forwarding the requests only a leader can serve.
 */
import type { Raft } from './raft.ts';
import { type Message, NONE, type Snapshot } from './types.ts';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'app':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'transferLeader':
    case 'readIndex':
      if (r.lead === NONE) {
        r.logger.debug({ type: m.type }, 'no leader to forward to: dropped');
        return;
      }
      r.send({ ...m, to: r.lead, from: m.type === 'readIndex' ? r.id : m.from });
      return;
    case 'readIndexResp':
      r.readStates.push({ index: m.index, context: m.context ?? new Uint8Array(0) });
      return;
    case 'timeoutNow':
      r.logger.info({ from: m.from, term: r.term }, 'leadership handed over: campaigning now');
      r.hup('transfer');
      return;
    default:
      return;
  }
}

function handleAppend(r: Raft, m: Message): void {
  if (m.index < r.log.committed) {
    r.out('appResp', m.from, { index: r.log.committed });
    return;
  }
  const res = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (res) {
    if (res.writtenFrom !== 0 && r.membership.onWrite(res.writtenFrom, m.entries)) {
      r.tracker.applyConf(r.membership.current(), r.log.lastIndex() + 1);
    }
    r.out('appResp', m.from, { index: res.lastNewIndex });
    return;
  }
  // Mismatch: point the leader at the last index where we could match, given that every
  // entry of ours with a term above the leader's logTerm at m.index cannot match.
  const [hintIndex, hintTerm] = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.out('appResp', m.from, { index: m.index, reject: true, rejectHint: hintIndex, logTerm: hintTerm });
}

function handleHeartbeat(r: Raft, m: Message): void {
  if (m.commit > r.log.lastIndex()) {
    // The leader believes we hold entries we do not have: our log was lost or truncated
    // behind Raft's back (a wiped disk under a reused member id). Committing would be
    // wrong; say so loudly and wait for the leader to find where our log really ends.
    r.logger.error(
      { commit: m.commit, lastIndex: r.log.lastIndex(), leader: m.from },
      'heartbeat commit is past our last index: this member lost log entries it had acknowledged',
    );
  } else {
    r.log.commitTo(m.commit);
  }
  const fields: Partial<Message> = {};
  if (m.context) fields.context = m.context;
  r.out('heartbeatResp', m.from, fields);
}

function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (!s) return;
  if (restore(r, s)) {
    r.logger.info({ index: s.meta.index, term: s.meta.term }, 'restored snapshot from the leader');
    r.out('appResp', m.from, { index: r.log.lastIndex() });
  } else {
    r.out('appResp', m.from, { index: r.log.committed });
  }
}

/** Installs a snapshot unless we already have what it covers. */
function restore(r: Raft, s: Snapshot): boolean {
  if (s.meta.index <= r.log.committed) return false;
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // Our log already holds the snapshot's last entry: just commit up to it.
    r.log.commitTo(s.meta.index);
    return false;
  }
  r.log.restore(s);
  r.membership.restore(s.meta.conf);
  r.tracker.applyConf(s.meta.conf, r.log.lastIndex() + 1);
  return true;
}
