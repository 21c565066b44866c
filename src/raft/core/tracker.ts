/**
 * The leader's (and candidate's) bookkeeping over the current configuration: one Progress
 * per member, the votes of an election, and the majority arithmetic (commit index,
 * election outcome, CheckQuorum activity). Learners have progress but no say.
 */
import { Progress } from './progress.ts';
import type { ConfState, NodeId } from './types.ts';

export type VoteResult = 'won' | 'lost' | 'pending';

export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(private readonly maxInflight: number) {}

  confState(): ConfState {
    return { voters: [...this.voters].sort(), learners: [...this.learners].sort() };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  /**
   * Switches to a configuration. Members that stay keep their progress; new members start
   * probing from `nextIndex` (match 0); members that left are forgotten.
   */
  applyConf(conf: ConfState, nextIndex: number): void {
    this.voters = new Set(conf.voters);
    this.learners = new Set(conf.learners);
    for (const id of [...this.progress.keys()]) {
      if (!this.voters.has(id) && !this.learners.has(id)) this.progress.delete(id);
    }
    for (const id of [...conf.voters, ...conf.learners]) {
      const learner = this.learners.has(id);
      const p = this.progress.get(id);
      if (p) p.isLearner = learner;
      else this.progress.set(id, new Progress(0, nextIndex, this.maxInflight, learner));
    }
  }

  /** Fresh progress for every member (a new term): self matches `lastIndex`. */
  resetProgress(self: NodeId, lastIndex: number): void {
    for (const [id, p] of this.progress) {
      const np = new Progress(id === self ? lastIndex : 0, lastIndex + 1, this.maxInflight, p.isLearner);
      if (id === self) np.becomeReplicate();
      this.progress.set(id, np);
    }
  }

  /** The highest index replicated on a majority of voters. */
  committed(): number {
    const n = this.voters.size;
    if (n === 0) return 0;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    return matches[Math.floor(n / 2)] as number;
  }

  quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    const result: VoteResult = granted >= q ? 'won' : this.voters.size - rejected < q ? 'lost' : 'pending';
    return { granted, rejected, result };
  }

  /** CheckQuorum: did a majority of voters (counting self) talk to us this round? */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === self || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  /** Ids in a stable order (for deterministic message order). */
  ids(): NodeId[] {
    return [...this.progress.keys()].sort();
  }
}
