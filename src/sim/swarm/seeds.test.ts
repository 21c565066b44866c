// Whole-swarm simulation seeds 1-250 in every test run (npm run sim:swarm for more).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSwarmSeed } from './run.ts';

test('swarm simulation seeds 1..250: faults, then convergence, one task per slot, same stores', async () => {
  const failed: string[] = [];
  for (let s = 1; s <= 250; s++) {
    const r = await runSwarmSeed(s);
    if (!r.ok) {
      failed.push(
        `seed ${s}: ${r.failures.join('; ')}\n  replay: npm run sim:swarm -- --seed ${s}\n${r.trace.slice(-40).join('\n')}`,
      );
      if (failed.length >= 3) break;
    }
  }
  assert.equal(failed.length, 0, failed.join('\n\n'));
});
