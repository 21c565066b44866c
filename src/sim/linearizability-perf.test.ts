/**
 * Measures the checker on simulator-sized histories: 10,000 operations from 10 concurrent
 * clients over 50 keys (and over a single key, the unpartitioned worst case), valid and with
 * one corrupted read. Times are reported as test diagnostics; only verdicts are asserted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRng } from '../base/rng.ts';
import { checkLinearizable, isPending, kvModel } from './linearizability.ts';
import type { KvOp, RandomSpecOptions } from './linearizability-gen.ts';
import { buildKvHistory, randomSpecs } from './linearizability-gen.ts';

const base: RandomSpecOptions = {
  ops: 10_000,
  clients: 10,
  keys: 50,
  maxSlack: 50,
  pendingRate: 0.02,
  getRate: 0.5,
  casRate: 0.1,
};

/** Most completed operations in flight at once. */
function maxInFlight(ops: readonly KvOp[]): number {
  const edges = ops.flatMap((o) =>
    isPending(o)
      ? []
      : [
          [o.call, 1],
          [o.ret as number, -1],
        ],
  );
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (b[1] as number) - (a[1] as number));
  let cur = 0;
  let max = 0;
  for (const [, d] of edges) {
    cur += d as number;
    max = Math.max(max, cur);
  }
  return max;
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const runs: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    value = f();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return { value: value as T, ms: runs[1] as number };
}

function corruptOneGet(ops: KvOp[], seed: number): KvOp[] {
  const gets = ops.filter((o) => o.input.kind === 'get' && !isPending(o));
  const victim = gets[new SeededRng(seed).int(0, gets.length)];
  return ops.map((o) => (o === victim ? { ...o, output: { value: 'never-written' } } : o));
}

describe('checkLinearizable: performance (median of 3 runs, reported, not asserted)', () => {
  const cases: [string, RandomSpecOptions, number | undefined][] = [
    ['10,000 ops, 50 keys, 10 clients, 2% pending', base, undefined],
    ['10,000 ops, 50 keys, 10 clients, 20% pending', { ...base, pendingRate: 0.2 }, undefined],
    ['10,000 ops, 50 keys, 10 clients, puts and gets only', { ...base, casRate: 0 }, undefined],
    // One key: nothing to partition. Refuting it can exceed a small budget (then 'unknown').
    ['10,000 ops, 1 key, 10 clients, 2% pending', { ...base, keys: 1 }, 200_000],
  ];
  for (const [name, opts, maxSteps] of cases) {
    it(name, (t) => {
      for (const seed of [1, 2]) {
        const ops = buildKvHistory(randomSpecs(new SeededRng(seed), opts));
        const ok = timed(() => checkLinearizable(kvModel, ops));
        assert.equal(ok.value.ok, true, ok.value.ok === false ? ok.value.explanation : '');
        const bad = timed(() => checkLinearizable(kvModel, corruptOneGet(ops, seed), { maxSteps }));
        if (maxSteps === undefined) assert.equal(bad.value.ok, false);
        else assert.notEqual(bad.value.ok, true);
        t.diagnostic(
          `seed ${seed}: ${maxInFlight(ops)} in flight at most; linearizable in ${ok.ms.toFixed(1)} ms ` +
            `(${ok.value.steps} steps); corrupted read: ${bad.value.ok === false ? 'violation' : 'unknown'} ` +
            `in ${bad.ms.toFixed(1)} ms (${bad.value.steps} steps)`,
        );
      }
    });
  }
});
