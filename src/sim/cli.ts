/**
 * `npm run sim -- [--seeds N] [--seed S] [--from F] [--size 3|5] [--verbose]`
 * Runs N seeds (from F, default 1) or replays one seed with its full trace.
 */
import { parseArgs } from 'node:util';
import { runSeed } from './run.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    seed: { type: 'string' },
    from: { type: 'string', default: '1' },
    size: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const size = values.size ? Number(values.size) : undefined;
const opts = size ? { size } : {};

if (values.seed !== undefined) {
  const r = await runSeed(Number(values.seed), opts);
  for (const l of r.trace) console.log(l);
  console.log(JSON.stringify(r.stats));
  if (!r.ok) {
    console.log(`\nseed ${r.seed} FAILED:\n${r.failures.join('\n')}`);
    process.exit(1);
  }
  console.log(`seed ${r.seed} ok`);
} else {
  const n = Number(values.seeds);
  const from = Number(values.from);
  const started = performance.now();
  let failed = 0;
  for (let s = from; s < from + n; s++) {
    const r = await runSeed(s, opts);
    if (!r.ok) {
      failed++;
      console.log(`seed ${s} FAILED: ${r.failures[0]}\n  replay: npm run sim -- --seed ${s}`);
    } else if (values.verbose) {
      console.log(`seed ${s} ok ${JSON.stringify(r.stats)}`);
    }
    if ((s - from + 1) % 100 === 0) {
      console.log(
        `${s - from + 1}/${n} seeds, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
  }
  console.log(`${n} seeds, ${failed} failed, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  process.exit(failed > 0 ? 1 : 0);
}
