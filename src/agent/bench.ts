/**
 * The session at scale, measured: 5,000 agents against one dispatcher with 100,000 tasks
 * (scale.ts has the phases). Not part of the test run (scale.test.ts runs a smaller one).
 *
 *   node --expose-gc --import tsx src/agent/bench.ts [nodes] [tasks]
 */
import { runScale } from './scale.ts';

const nodes = Number(process.argv[2] ?? 5_000);
const tasks = Number(process.argv[3] ?? 100_000);
const t0 = performance.now();
const f = await runScale({ nodes, tasks, log: (line) => console.log(line) });
console.log(JSON.stringify(f, null, 2));
console.log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
