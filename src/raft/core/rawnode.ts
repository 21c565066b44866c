/**
 * RawNode: the Raft core's public surface. Inputs are method calls; the output is a Ready,
 * fetched when hasReady() and acknowledged with advance() once the driver has
 *
 *   1. persisted `snapshot`, `entries` and `hardState` (one write, one sync),
 *   2. sent `messages`,
 *   3. applied `snapshot` then `committedEntries` to the state machine, served `readStates`,
 *
 * in that order. Nothing here does I/O or reads a clock.
 */
import { applyConfChange, type ConfChange, encodeConfChangeEntry } from './confchange.ts';
import type { RaftConfig } from './config.ts';
import { bcastAppend, reduceUncommittedSize } from './leader.ts';
import { Raft } from './raft.ts';
import {
  type ConfState,
  type Entry,
  type HardState,
  hardStateEqual,
  type Message,
  message,
  NONE,
  type NodeId,
  type ProposeOutcome,
  type ProposeRefusal,
  type ReadState,
  type Snapshot,
  type SoftState,
  type StateType,
} from './types.ts';

export interface Ready {
  /** Set when the leader or the role changed. */
  softState?: SoftState;
  /** Set when term, vote or commit changed: persist before sending `messages`. */
  hardState?: HardState;
  /** A snapshot from the leader: persist and restore before applying entries. */
  snapshot?: Snapshot;
  /** Entries to append to stable storage (possibly replacing a suffix). */
  entries: Entry[];
  /** Committed entries to apply, in order. */
  committedEntries: Entry[];
  /** Messages to send once the above is persisted. */
  messages: Message[];
  readStates: ReadState[];
  /** Whether persisting needs a sync (new entries, or a changed term or vote). */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: number;
  next: number;
  state: string;
  recentActive: boolean;
  isLearner: boolean;
}

export interface Status {
  id: NodeId;
  term: number;
  vote: NodeId;
  commit: number;
  applied: number;
  lead: NodeId;
  state: StateType;
  conf: ConfState;
  leadTransferee: NodeId;
  /** Per member, on the leader only. */
  progress: Map<NodeId, ProgressStatus>;
}

export class RawNode {
  readonly raft: Raft;
  private prevHard: HardState;
  private prevSoft: SoftState;

  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevHard = this.raft.hardState();
    this.prevSoft = this.raft.softState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (tests, the first member of a new cluster). */
  campaign(): void {
    this.raft.hup(this.raft.cfg.preVote ? 'preElection' : 'election');
  }

  /** A message from the network. Messages for another member are ignored. */
  step(m: Message): void {
    if (m.to !== this.raft.id) return;
    this.raft.step(m);
  }

  /** Proposes commands (one entry each) as leader; all of them or none. */
  propose(data: Uint8Array | readonly Uint8Array[]): ProposeOutcome {
    const items = (data instanceof Uint8Array ? [data] : data).map((d) => ({
      type: 'normal' as const,
      data: d,
    }));
    const refused = this.refuseProposal();
    if (refused) return refused;
    const ents = this.raft.appendAsLeader(items);
    if (!ents) return this.refusal('overloaded', 'too many uncommitted entries: the leader is overloaded');
    bcastAppend(this.raft);
    const last = ents[ents.length - 1] as Entry;
    return { ok: true, index: last.index - ents.length + 1, term: last.term };
  }

  /** Proposes one membership change; it takes effect on every member as it is appended. */
  proposeConfChange(cc: ConfChange): ProposeOutcome {
    const refused = this.refuseProposal();
    if (refused) return refused;
    const r = this.raft;
    if (r.pendingConfIndex > r.log.committed) {
      return this.refusal(
        'conf-pending',
        'a membership change is already in progress; retry when it completes',
      );
    }
    if (r.log.term(r.log.committed) !== r.term) {
      return this.refusal(
        'conf-pending',
        'the new leader has not committed an entry of its term yet; retry shortly',
      );
    }
    const conf = applyConfChange(r.membership.current(), cc);
    if (typeof conf === 'string') return this.refusal('invalid-conf', conf);
    const ents = r.appendAsLeader([{ type: 'conf', data: encodeConfChangeEntry({ change: cc, conf }) }]);
    if (!ents) return this.refusal('overloaded', 'too many uncommitted entries: the leader is overloaded');
    bcastAppend(r);
    const e = ents[0] as Entry;
    return { ok: true, index: e.index, term: e.term };
  }

  /**
   * Asks for a linearizable read point. The answer arrives as a ReadState with this
   * context in a later Ready (on a follower, after a round trip to the leader).
   */
  readIndex(context: Uint8Array): ProposeOutcome {
    const r = this.raft;
    if (r.state !== 'leader' && r.lead === NONE) {
      return this.refusal('not-leader', 'no leader is known: cannot serve a linearizable read');
    }
    r.step(message({ type: 'readIndex', from: r.id, to: r.id, context }));
    return { ok: true, index: 0, term: r.term };
  }

  /** Asks the leader to hand leadership to `to` (forwarded when called on a follower). */
  transferLeader(to: NodeId): void {
    this.raft.step(message({ type: 'transferLeader', from: to, to: this.raft.id }));
  }

  reportUnreachable(id: NodeId): void {
    const r = this.raft;
    if (r.state !== 'leader') return;
    const pr = r.tracker.progress.get(id);
    // An append may have been lost: fall back to probing.
    if (pr && pr.state === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const r = this.raft;
    if (r.state !== 'leader') return;
    const pr = r.tracker.progress.get(id);
    if (pr?.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    // Wait for the follower's answer (or the next heartbeat) before sending more.
    pr.becomeProbe();
    pr.probeSent = true;
  }

  hasReady(): boolean {
    const r = this.raft;
    return (
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.unstableEntries().length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.log.hasNextCommittedEnts() ||
      !hardStateEqual(r.hardState(), this.prevHard) ||
      r.lead !== this.prevSoft.lead ||
      r.state !== this.prevSoft.state
    );
  }

  ready(): Ready {
    const r = this.raft;
    const entries = r.log.unstableEntries().slice();
    const hs = r.hardState();
    const rd: Ready = {
      entries,
      committedEntries: r.log.nextCommittedEnts(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: entries.length > 0 || hs.term !== this.prevHard.term || hs.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.readStates = [];
    if (r.log.unstable.snapshot) rd.snapshot = r.log.unstable.snapshot;
    if (!hardStateEqual(hs, this.prevHard)) {
      rd.hardState = hs;
      this.prevHard = hs;
    }
    const ss = r.softState();
    if (ss.lead !== this.prevSoft.lead || ss.state !== this.prevSoft.state) {
      rd.softState = ss;
      this.prevSoft = ss;
    }
    return rd;
  }

  advance(rd: Ready): void {
    const log = this.raft.log;
    const last = rd.entries[rd.entries.length - 1];
    if (last) log.stableTo(last.index, last.term);
    if (rd.snapshot) {
      log.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > log.applied) log.appliedTo(rd.snapshot.meta.index);
    }
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied) {
      log.appliedTo(applied.index);
      reduceUncommittedSize(this.raft, rd.committedEntries);
    }
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<NodeId, ProgressStatus>();
    if (r.state === 'leader') {
      for (const [id, p] of r.tracker.progress) {
        progress.set(id, {
          match: p.match,
          next: p.next,
          state: p.state,
          // Reachable: heard from in this CheckQuorum round or the previous one (a read right
          // after a round's reset must not call every member unreachable).
          recentActive: p.recentActive || p.wasActive,
          isLearner: p.isLearner,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lead: r.lead,
      state: r.state,
      conf: r.membership.current(),
      leadTransferee: r.leadTransferee,
      progress,
    };
  }

  private refuseProposal(): ProposeOutcome | null {
    const r = this.raft;
    if (r.state !== 'leader') {
      const who = r.lead === NONE ? 'no leader is known' : `the leader is ${r.lead}`;
      return this.refusal('not-leader', `this member is not the leader; ${who}`);
    }
    if (r.leadTransferee !== NONE) {
      return this.refusal(
        'transferring',
        `leadership is being transferred to ${r.leadTransferee}; retry shortly`,
      );
    }
    return null;
  }

  private refusal(reason: ProposeRefusal, msg: string): ProposeOutcome {
    return { ok: false, reason, leader: this.raft.lead, message: msg };
  }
}
