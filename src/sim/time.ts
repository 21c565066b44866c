/**
 * Virtual time for the simulator: one event queue ordered by (time, insertion), and a
 * Clock per simulated node that may run fast or slow (clock drift). Nothing real ever
 * waits: the runner pops the next event, jumps time to it, runs it, then lets every
 * promise it started settle before the next one, so a seed replays exactly.
 */
import type { Clock, Timer } from '../base/clock.ts';

interface Event {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualTime {
  now = 0;
  private seq = 0;
  private heap: Event[] = [];

  get pending(): number {
    return this.heap.length;
  }

  /** Runs `fn` at virtual time `at` (not before now). */
  at(at: number, fn: () => void): Timer {
    const ev: Event = { at: Math.max(at, this.now), seq: this.seq++, fn, cancelled: false };
    this.push(ev);
    return {
      cancel: () => {
        ev.cancelled = true;
      },
    };
  }

  after(ms: number, fn: () => void): Timer {
    return this.at(this.now + ms, fn);
  }

  /** Pops the next live event, advancing time; undefined when the queue is empty or past `limit`. */
  next(limit: number): (() => void) | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0] as Event;
      if (top.at > limit) return undefined;
      this.pop();
      if (top.cancelled) continue;
      this.now = top.at;
      return top.fn;
    }
    return undefined;
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(ev: Event): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Event, h[p] as Event)) break;
      [h[i], h[p]] = [h[p] as Event, h[i] as Event];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Event;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Event, h[m] as Event)) m = l;
      if (r < h.length && this.less(h[r] as Event, h[m] as Event)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Event, h[i] as Event];
      i = m;
    }
  }
}

/**
 * A node's clock: local time runs at `rate` times virtual time, so its timers fire early
 * (rate > 1) or late (rate < 1) relative to the others.
 */
export class NodeClock implements Clock {
  constructor(
    private readonly vt: VirtualTime,
    readonly rate: number,
  ) {}

  now(): number {
    return this.vt.now * this.rate;
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.now();
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.vt.after(ms / this.rate, fn);
  }

  setInterval(fn: () => void, ms: number): Timer {
    let current: Timer;
    let cancelled = false;
    const arm = (): void => {
      current = this.vt.after(ms / this.rate, () => {
        if (cancelled) return;
        arm();
        fn();
      });
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        current.cancel();
      },
    };
  }
}
