/**
 * A leader's view of one follower's log (etcd's three-state model):
 *
 *   probe ──(ack matches)──▶ replicate ──(reject / unreachable)──▶ probe
 *     ▲                                                              │
 *     └──────(snapshot delivered or failed)── snapshot ◀──(log compacted past next)
 *
 * - probe: one append at a time, then wait (a reply or the next heartbeat) — used when
 *   the follower's position is unknown;
 * - replicate: stream appends optimistically, bounded by the inflights window;
 * - snapshot: a snapshot is on its way; send nothing else until it is reported.
 */
import { Inflights } from './inflights.ts';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match: number;
  /** Next index to send. */
  next: number;
  state: ProgressState = 'probe';
  /** Index of the snapshot in flight (snapshot state). */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Heard from during the previous CheckQuorum round (reachability between resets). */
  wasActive = false;
  /** Probe state: an append was sent and we wait for an answer or a heartbeat. */
  probeSent = false;
  readonly inflights: Inflights;

  constructor(
    match: number,
    next: number,
    maxInflight: number,
    public isLearner: boolean,
  ) {
    this.match = match;
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** An append carrying `entries` entries ending at `lastIndex` was sent. */
  sentEntries(entries: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (entries > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** The follower acknowledged up to `n`. Returns false for a stale acknowledgement. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is the highest index at
   * which it may match. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether sending an append to this follower should wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  describe(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.state === 'snapshot') s += ` pendingSnap=${this.pendingSnapshot}`;
    if (this.probeSent) s += ' paused';
    if (this.inflights.size > 0) s += ` inflight=${this.inflights.size}`;
    return s;
  }
}
