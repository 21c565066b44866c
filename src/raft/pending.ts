/**
 * What the driver owes its callers: proposals waiting for their entry to be applied, and
 * linearizable reads waiting for a read index and then for the state machine to reach it.
 * Reads are batched: every read queued while a ReadIndex round is in flight shares the
 * next round, so a thousand concurrent readers cost one heartbeat round, not a thousand.
 */
import type { ShoalError } from '../base/errors.ts';
import { ProposalDroppedError, ProposalTimeoutError } from './errors.ts';

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: Error) => void;
  deadline: number;
  timeoutMs: number;
}

interface PendingProposal extends Waiter<unknown> {
  term: number;
}

export class PendingProposals {
  private readonly byIndex = new Map<number, PendingProposal>();

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, term: number, w: Waiter<unknown>): void {
    // An older proposal at this index was overwritten by a newer leader (us again).
    this.byIndex.get(index)?.reject(new ProposalDroppedError(index, this.byIndex.get(index)?.term ?? 0));
    this.byIndex.set(index, { ...w, term });
  }

  /** The entry at `index` of `term` was applied with `result`. */
  applied(index: number, term: number, result: unknown): void {
    const p = this.byIndex.get(index);
    if (!p) return;
    this.byIndex.delete(index);
    if (p.term === term) p.resolve(result);
    else p.reject(new ProposalDroppedError(index, p.term));
  }

  sweep(now: number): void {
    for (const [index, p] of this.byIndex) {
      if (p.deadline > now) continue;
      this.byIndex.delete(index);
      p.reject(new ProposalTimeoutError('proposal', p.timeoutMs));
    }
  }

  rejectAll(e: ShoalError): void {
    for (const p of this.byIndex.values()) p.reject(e);
    this.byIndex.clear();
  }
}

export class PendingReads {
  private waiting: Waiter<void>[] = [];
  private inflight: { ctx: string; members: Waiter<void>[] } | undefined;
  /** Rounds answered, waiting for the state machine to apply up to `index`. */
  private answered: Array<{ index: number; members: Waiter<void>[] }> = [];
  private seq = 0;

  add(w: Waiter<void>): void {
    this.waiting.push(w);
  }

  /** Starts a round with every waiting read, if none is in flight. Returns its context. */
  startRound(): { ctx: string; fail: (e: Error) => void } | undefined {
    if (this.inflight || this.waiting.length === 0) return undefined;
    const ctx = `r${++this.seq}`;
    const round = { ctx, members: this.waiting };
    this.waiting = [];
    this.inflight = round;
    return {
      ctx,
      fail: (e) => {
        if (this.inflight === round) this.inflight = undefined;
        for (const w of round.members) w.reject(e);
      },
    };
  }

  /** A read state arrived for `ctx` at `index`. */
  answer(ctx: string, index: number): void {
    if (!this.inflight || this.inflight.ctx !== ctx) return;
    this.answered.push({ index, members: this.inflight.members });
    this.inflight = undefined;
  }

  /** Resolves the reads whose index the state machine has reached. */
  appliedTo(applied: number): void {
    if (this.answered.length === 0) return;
    const still: typeof this.answered = [];
    for (const a of this.answered) {
      if (a.index <= applied) for (const w of a.members) w.resolve();
      else still.push(a);
    }
    this.answered = still;
  }

  /** The leader changed: the round in flight will never be answered. */
  abandonInflight(e: Error): void {
    const r = this.inflight;
    this.inflight = undefined;
    if (r) for (const w of r.members) w.reject(e);
  }

  sweep(now: number): void {
    const expired = (w: Waiter<void>): boolean => {
      if (w.deadline > now) return false;
      w.reject(new ProposalTimeoutError('linearizable read', w.timeoutMs));
      return true;
    };
    this.waiting = this.waiting.filter((w) => !expired(w));
    if (this.inflight) this.inflight.members = this.inflight.members.filter((w) => !expired(w));
    for (const a of this.answered) a.members = a.members.filter((w) => !expired(w));
  }

  rejectAll(e: Error): void {
    for (const w of this.waiting) w.reject(e);
    for (const w of this.inflight?.members ?? []) w.reject(e);
    for (const a of this.answered) for (const w of a.members) w.reject(e);
    this.waiting = [];
    this.inflight = undefined;
    this.answered = [];
  }
}
