/**
 * The Raft state machine of one member: a pure function of its inputs. No I/O, no
 * timers, no promises. Ticks, messages and local requests go in; the member's new state
 * and an outbox of messages come out, which RawNode packages as a Ready.
 *
 * This file holds the member's state, role changes, ticking, and the term rules every
 * message passes through. The leader's side lives in leader.ts, the follower's in
 * follower.ts, membership in membership.ts.
 *
 * Election: PreVote (a would-be candidate first asks whether it could win, without
 * raising terms) and CheckQuorum (a leader that has not heard from a majority within an
 * election timeout steps down; a follower that heard from its leader within that time
 * ignores vote requests) keep a partitioned member from disturbing a healthy cluster.
 */
import type { Logger } from '../../base/logger.ts';
import { nullLogger } from '../../base/logger.ts';
import type { Rng } from '../../base/rng.ts';
import { type RaftConfig, type ResolvedConfig, resolveConfig } from './config.ts';
import { stepFollower } from './follower.ts';
import { abortLeaderTransfer, appendEntries, bcastAppend, bcastHeartbeat, stepLeader } from './leader.ts';
import { RaftLog } from './log.ts';
import { Membership } from './membership.ts';
import { ReadOnly } from './readonly.ts';
import { ProgressTracker } from './tracker.ts';
import {
  type Entry,
  type EntryType,
  type HardState,
  type Message,
  type MessageType,
  message,
  NONE,
  type NodeId,
  type ReadState,
  type SoftState,
  type StateType,
} from './types.ts';

export type CampaignType = 'preElection' | 'election' | 'transfer';

export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly logger: Logger;
  readonly rng: Rng;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly membership: Membership;
  readonly readOnly = new ReadOnly();

  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  state: StateType = 'follower';

  /** Outbox, drained into each Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** ReadIndex requests received before this leader committed an entry of its term. */
  pendingReadIndex: Message[] = [];

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  /** Index of the newest conf entry a leader appended; no new change until it commits. */
  pendingConfIndex = 0;
  uncommittedSize = 0;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.rng = this.cfg.rng;
    this.logger = (this.cfg.logger ?? nullLogger).child({ raft: this.id });
    this.log = new RaftLog(this.cfg.storage, this.cfg.maxCommittedSizePerReady);
    this.tracker = new ProgressTracker(this.cfg.maxInflightMsgs);
    const { hardState, conf } = this.cfg.storage.initialState();
    this.membership = Membership.load(conf, this.log);
    this.tracker.applyConf(this.membership.current(), this.log.lastIndex() + 1);
    if (hardState.term > 0 || hardState.commit > 0 || hardState.vote !== NONE) this.loadState(hardState);
    if (this.cfg.applied > 0) this.log.appliedTo(Math.min(this.cfg.applied, this.log.committed));
    this.becomeFollower(this.term, NONE);
  }

  private loadState(hs: HardState): void {
    if (hs.commit < this.log.committed || hs.commit > this.log.lastIndex()) {
      throw new Error(
        `raft: stored commit ${hs.commit} is out of range [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
    }
    this.log.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, state: this.state };
  }

  /** Only voters of the current configuration may campaign. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  /** Queues a message; the term is ours unless set (forwarded requests travel with term 0). */
  send(m: Message): void {
    if (m.type !== 'transferLeader') m.from = this.id;
    if (m.term === 0 && m.type !== 'readIndex' && m.type !== 'transferLeader') m.term = this.term;
    this.msgs.push(m);
  }

  out(type: MessageType, to: NodeId, fields: Partial<Message> = {}): void {
    this.send(message({ type, from: this.id, to, ...fields }));
  }

  // ----- roles -----------------------------------------------------------------------

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.rng.int(0, this.cfg.electionTick);
    abortLeaderTransfer(this);
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.id, this.log.lastIndex());
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly.reset();
    this.pendingReadIndex = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    const wasLeader = this.state === 'leader';
    this.reset(term);
    this.lead = lead;
    this.state = 'follower';
    if (wasLeader) this.logger.info({ term }, 'stepped down');
  }

  becomePreCandidate(): void {
    if (this.state === 'leader') throw new Error('raft: leader cannot become pre-candidate');
    // Does not change the term or the vote: a pre-election disturbs nobody.
    this.tracker.resetVotes();
    this.lead = NONE;
    this.state = 'preCandidate';
  }

  becomeCandidate(): void {
    if (this.state === 'leader') throw new Error('raft: leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'candidate';
  }

  becomeLeader(): void {
    if (this.state === 'follower') throw new Error('raft: follower cannot become leader');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'leader';
    const self = this.tracker.progress.get(this.id);
    if (self) self.recentActive = true;
    // Any conf entry still uncommitted in our log counts as pending.
    this.pendingConfIndex = this.log.lastIndex();
    // The no-op that lets this term commit (and with it, everything before it).
    appendEntries(this, [{ type: 'normal', data: new Uint8Array(0) }], true);
    this.logger.info({ term: this.term }, 'became leader');
  }

  // ----- time ------------------------------------------------------------------------

  tick(): void {
    if (this.state === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(this.cfg.preVote ? 'preElection' : 'election');
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.logger.warn({ term: this.term }, 'lost contact with a quorum: stepping down');
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.tracker.progress) {
          if (id === this.id) continue;
          pr.wasActive = pr.recentActive;
          pr.recentActive = false;
        }
      }
      if (this.leadTransferee !== NONE) abortLeaderTransfer(this);
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this);
    }
  }

  // ----- elections -------------------------------------------------------------------

  hup(t: CampaignType): void {
    if (this.state === 'leader') return;
    if (!this.promotable()) {
      this.logger.debug({}, 'not a voter: not campaigning');
      return;
    }
    this.campaign(t);
  }

  campaign(t: CampaignType): void {
    let voteType: MessageType;
    let term: number;
    if (t === 'preElection') {
      this.becomePreCandidate();
      voteType = 'preVote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = 'vote';
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes().result === 'won') {
      // A cluster of one.
      if (t === 'preElection') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of [...this.tracker.voters].sort()) {
      if (id === this.id) continue;
      this.out(voteType, id, { term, index: lastIndex, logTerm: lastTerm, force: t === 'transfer' });
    }
  }

  /** Counts a (pre-)vote response; wins, loses or waits. */
  pollVote(m: Message): void {
    this.tracker.recordVote(m.from, !m.reject);
    const { result } = this.tracker.tallyVotes();
    if (result === 'won') {
      if (this.state === 'preCandidate') this.campaign('election');
      else {
        this.becomeLeader();
        bcastAppend(this);
      }
    } else if (result === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
  }

  // ----- messages --------------------------------------------------------------------

  step(m: Message): void {
    if (m.term === 0) {
      // Forwarded requests (readIndex, transferLeader) are not bound to a term.
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const inLease =
          this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed < this.cfg.electionTick;
        if (!m.force && inLease) {
          // We heard from a live leader within the election timeout: ignore the disruption.
          return;
        }
      }
      if (m.type === 'preVote') {
        // Never change our term in response to a pre-vote.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // The term in a granted pre-vote is the one we will campaign at.
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // A stale leader (or one that cannot win back a member whose term ran ahead while
        // partitioned): tell it our term so that it steps down and a new election can succeed.
        this.out('appResp', m.from);
      } else if (m.type === 'preVote') {
        this.out('preVoteResp', m.from, { reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'preVote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.state) {
      case 'leader':
        stepLeader(this, m);
        return;
      case 'candidate':
      case 'preCandidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        stepFollower(this, m);
        return;
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType: MessageType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === 'preVote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.out(respType, m.from, { term: m.term });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.out(respType, m.from, { term: this.term, reject: true });
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp: MessageType = this.state === 'preCandidate' ? 'preVoteResp' : 'voteResp';
    switch (m.type) {
      case 'app':
      case 'heartbeat':
      case 'snap':
        this.becomeFollower(m.term, m.from);
        stepFollower(this, m);
        return;
      case 'voteResp':
      case 'preVoteResp':
        if (m.type === myVoteResp) this.pollVote(m);
        return;
      default:
        // timeoutNow, readIndex, transferLeader: no leader to serve them.
        return;
    }
  }

  /** Appends entries as leader (used by the no-op and by proposals). */
  appendAsLeader(ents: Array<{ type: EntryType; data: Uint8Array }>): Entry[] | null {
    return appendEntries(this, ents, false);
  }
}
