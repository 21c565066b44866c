/**
 * `npm run sim:swarm -- [--seeds N] [--from F] [--seed S]`: whole-swarm simulation seeds
 * (managers, agents, fake executors under faults). One seed replays with its trace.
 */
import { parseArgs } from 'node:util';
import { runSwarmSeed } from './run.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '50' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

if (values.seed !== undefined) {
  const r = await runSwarmSeed(Number(values.seed));
  console.log(r.trace.join('\n'));
  console.log(JSON.stringify(r.stats));
  if (!r.ok) {
    console.log(`\nseed ${r.seed} FAILED:\n${r.failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`seed ${r.seed} ok`);
} else {
  const n = Number(values.seeds);
  const from = Number(values.from);
  const t0 = performance.now();
  let failed = 0;
  for (let s = from; s < from + n; s++) {
    const r = await runSwarmSeed(s);
    if (!r.ok) {
      failed++;
      console.log(`seed ${s} FAILED: ${r.failures[0]}\n  replay: npm run sim:swarm -- --seed ${s}`);
    } else if (values.verbose) console.log(`seed ${s} ok ${JSON.stringify(r.stats)}`);
  }
  console.log(`${n} seeds, ${failed} failed, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(failed > 0 ? 1 : 0);
}
