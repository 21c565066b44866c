/**
 * Memoization for the WGL search. A configuration is (completed operations linearized,
 * pending operations applied, model state); two equal configurations have the same future,
 * so the search explores each once (Lowe's memoization). With `dominance`, a configuration is
 * also skipped when a recorded one has the same completed set and state but applied a subset
 * of its pending operations: that one has every option this one has (a pending operation may
 * take effect later, or never), so if it fails, this one fails too.
 *
 * The completed set is a bitset with an incrementally maintained 64-bit Zobrist hash. A
 * recorded entry stores it compactly: operations are indexed in call order, every index
 * below `lo` (the first unlinearized one) is in the set, and only the words from `lo` to
 * the highest linearized index (about the concurrency of the history) are kept.
 */
import { SeededRng } from '../base/rng.ts';

/** A set of operation indexes 0..n-1. */
export class OpSet {
  readonly words: Uint32Array;

  constructor(n: number) {
    this.words = new Uint32Array((n + 31) >>> 5);
  }

  /** Adds i if absent, removes it if present. */
  toggle(i: number): void {
    const w = i >>> 5;
    this.words[w] = (this.words[w]! ^ (1 << (i & 31))) >>> 0;
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/** An OpSet with a Zobrist hash (XOR of a fixed random pair per member). */
export class HashedOpSet extends OpSet {
  private readonly z: Uint32Array;
  h1 = 0;
  h2 = 0;

  constructor(n: number) {
    super(n);
    // Fixed seed: the hashes, and so the table's behaviour, are reproducible.
    const rng = new SeededRng(0x5eed11e5);
    this.z = new Uint32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) this.z[i] = rng.u32();
  }

  override toggle(i: number): void {
    super.toggle(i);
    this.h1 = (this.h1 ^ this.z[2 * i]!) >>> 0;
    this.h2 = (this.h2 ^ this.z[2 * i + 1]!) >>> 0;
  }
}

interface Entry<S> {
  readonly lo: number;
  readonly window: Uint32Array;
  readonly pending: Uint32Array;
  readonly state: S;
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSubset(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
  return true;
}

/** Recorded configurations, bucketed by completed-set hash and (when available) state key. */
export class MemoTable<S> {
  private readonly buckets = new Map<string, Entry<S>[]>();
  size = 0;

  constructor(
    private readonly stateKey: ((s: S) => string) | undefined,
    private readonly stateEqual: ((a: S, b: S) => boolean) | undefined,
    private readonly dominance: boolean,
  ) {}

  /**
   * Records a configuration; returns false (and records nothing) if it was recorded already
   * or, with dominance, is dominated by a recorded one. `lo` is the lowest unlinearized completed index, `hi` the highest
   * linearized one (-1 if none).
   */
  add(completed: HashedOpSet, lo: number, hi: number, pending: OpSet, state: S): boolean {
    const byKey = this.stateKey !== undefined || this.stateEqual === undefined;
    let k = `${completed.h1}:${completed.h2}`;
    if (byKey) k += `:${this.stateKey !== undefined ? this.stateKey(state) : String(JSON.stringify(state))}`;
    const window = completed.words.subarray(lo >>> 5, hi >= lo ? (hi >>> 5) + 1 : lo >>> 5);
    let bucket = this.buckets.get(k);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(k, bucket);
    }
    for (const e of bucket) {
      if (e.lo !== lo || !sameWords(e.window, window)) continue;
      if (!(this.dominance ? isSubset(e.pending, pending.words) : sameWords(e.pending, pending.words)))
        continue;
      if (byKey || (this.stateEqual as (a: S, b: S) => boolean)(e.state, state)) return false;
    }
    bucket.push({ lo, window: window.slice(), pending: pending.words.slice(), state });
    this.size++;
    return true;
  }
}
