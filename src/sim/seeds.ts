/**
 * Runs a range of simulation seeds as node:test tests; a failure names its seed, the
 * replay command and the trace. Used by the seed-range test files (split so that the test
 * runner can spread them over both cores).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSeed } from './run.ts';

export function seedRange(from: number, count: number): void {
  test(`simulation seeds ${from}..${from + count - 1} (faults, crashes, partitions, membership changes)`, async () => {
    const failed: string[] = [];
    for (let s = from; s < from + count; s++) {
      const r = await runSeed(s);
      if (!r.ok) {
        failed.push(
          `seed ${s}: ${r.failures.join('; ')}\n  replay: npm run sim -- --seed ${s}\n${r.trace.slice(-60).join('\n')}`,
        );
        if (failed.length >= 3) break;
      }
    }
    assert.equal(failed.length, 0, failed.join('\n\n'));
  });
}
