/**
 * How long `docker swarm init` and `docker swarm join` take against real Shoal daemons,
 * measured as an operator sees it: the wall time of the docker CLI command, from spawn to
 * exit (CLI start-up and its /_ping included, as in Docker's own figure).
 *
 *   node --import tsx bench/swarm/init-join.ts [--reps 10] [--no-write]
 *
 * Each repetition starts three fresh daemons (not timed) on 127.0.0.2-4 in new data
 * directories, then times: `swarm init` on the first, `swarm join` with the manager token
 * on the second (it returns once the new manager votes in Raft), `swarm join` with
 * the worker token on the third; then kills them. Prints p50/p99/max and writes
 * bench/swarm/RESULTS.md. Docker 28 on this machine: init ~0.65 s, join ~0.6 s.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fmtMs, type Summary, summarize } from '../../src/raft/demo/stats.ts';
import { DOCKER_BIN, e2eUnavailable, Harness, joinToken } from '../../test/e2e/harness.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '10' },
    'no-write': { type: 'boolean', default: false },
  },
});
const reps = Number(args.reps);
const unavailable = e2eUnavailable();
if (unavailable) {
  console.error(`cannot run: ${unavailable}`);
  process.exit(1);
}

const samples = {
  init: [] as number[],
  joinManager: [] as number[],
  joinWorker: [] as number[],
  cli: [] as number[],
};

async function timed(what: string, run: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const t0 = performance.now();
  const r = await run();
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return ms;
}

for (let i = 0; i < reps; i++) {
  const h = new Harness({ name: 'bench', port: 24500 });
  try {
    const [a, b, c] = await h.startNodes(['a', 'b', 'c']);
    if (!a || !b || !c) throw new Error('daemons did not start');
    // The CLI's own cost for a trivial call (start-up, /_ping, one request), for context.
    samples.cli.push(
      await timed('docker version', () => a.docker(['version', '--format', '{{.Server.Version}}'])),
    );
    samples.init.push(await timed('swarm init', () => a.docker(['swarm', 'init'])));
    const managerToken = await joinToken(a, 'manager');
    const workerToken = await joinToken(a, 'worker');
    samples.joinManager.push(
      await timed('swarm join (manager)', () => b.docker(['swarm', 'join', '--token', managerToken, a.addr])),
    );
    samples.joinWorker.push(
      await timed('swarm join (worker)', () => c.docker(['swarm', 'join', '--token', workerToken, a.addr])),
    );
    process.stderr.write(
      `rep ${i + 1}/${reps}: init ${fmtMs(samples.init.at(-1) ?? 0)}, join manager ${fmtMs(samples.joinManager.at(-1) ?? 0)}, join worker ${fmtMs(samples.joinWorker.at(-1) ?? 0)}\n`,
    );
    await h.cleanup();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${h.logs(30)}\n`);
    await h.cleanup(true);
    process.exit(1);
  }
}

const rows: Array<[string, Summary, string]> = [
  ['`docker swarm init`', summarize(samples.init), '~0.65 s'],
  ['`docker swarm join` (manager token)', summarize(samples.joinManager), '~0.6 s'],
  ['`docker swarm join` (worker token)', summarize(samples.joinWorker), '~0.6 s'],
  ['`docker version` (CLI round trip, for scale)', summarize(samples.cli), ''],
];
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const table = [
  '| command | p50 | p99 | max | mean | Docker 28 (same machine) |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    ([name, x, docker]) => `| ${name} | ${s(x.p50)} | ${s(x.p99)} | ${s(x.max)} | ${s(x.mean)} | ${docker} |`,
  ),
].join('\n');
console.log(table);

if (!args['no-write']) {
  const c = cpus();
  let dockerVersion = 'unknown';
  try {
    dockerVersion = execFileSync(DOCKER_BIN, ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  const md = `# swarm init / join wall time

Wall time of the docker CLI command against real \`shoal daemon\` processes (fake executor),
${reps} repetitions, each with three fresh daemons on 127.0.0.2-4 (their start-up not timed).
The time runs from spawning \`docker\` to its exit, so the CLI's own start-up and \`/_ping\` are
included, as in the figure measured for Docker itself. A manager join returns once the new
manager votes in Raft: it is admitted as a learner and promoted by the leader's role manager
once caught up (looked at every 50 ms while a manager joins). Returning earlier would leave
a moment where the new manager does not count toward the quorum (the failover e2e test lost
its quorum that way). A worker join returns once its certificate is issued and its agent
started. The first repetition pays for cold module loading and JIT.

${table}

Reproduce: \`npm run bench:swarm -- --reps ${reps}\`

Measured ${new Date().toISOString().slice(0, 10)} on ${c.length} x ${c[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB,
Node ${process.versions.node}, ${dockerVersion}. p99 of ${reps} samples is close to the maximum.
`;
  writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
  console.log('wrote bench/swarm/RESULTS.md');
}
