/**
 * The Raft benchmark: `npm run bench:raft -- [--trials 50] [--seconds 10] [--profile]`.
 *
 * Three member processes (src/raft/demo/member.ts) on 127.0.0.1: real gRPC transport with
 * mutual TLS, fsynced WAL in a temporary directory, RaftNode on the real clock (tick
 * 100 ms, election timeout 10 ticks, heartbeat 1 tick). Measures
 *   (a) committed proposals/s and commit latency (p50/p99/max) with 1 client and with
 *       1,000 concurrent clients: a closed-loop load run by POST /load inside the leader's
 *       process (the clients share the leader's event loop and CPU);
 *   (b) failover: SIGKILL the leader, then the time until a new leader has committed a
 *       write from a client that retries on every member every 10 ms; the killed member
 *       is restarted and caught up between trials.
 * Prints a table and writes .bench-out/raft.json (member logs: .bench-out/raft-logs/).
 * `--profile` runs (a) only, with `node --cpu-prof` on every member; profiles go to
 * .bench-out/raft-prof/.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type LoadResult, memberApi } from '../../src/raft/demo/client.ts';
import { LocalCluster } from '../../src/raft/demo/cluster.ts';
import { fmtMs, summarize } from '../../src/raft/demo/stats.ts';
import { writeUntilAccepted } from '../../src/raft/demo/writer.ts';
import { type FailoverTrial, machine, type RaftBenchResult, table } from './report.ts';

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1000' },
    profile: { type: 'boolean', default: false },
  },
});
const trials = Number(args.trials);
const seconds = Number(args.seconds);
const manyClients = Number(args.clients);
const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(root, '.bench-out');
const profDir = join(outDir, 'raft-prof');
const logDir = join(outDir, 'raft-logs');
mkdirSync(outDir, { recursive: true });
const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await LocalCluster.create({
  members: 3,
  ...(args.profile && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] }),
});
const stopOnSignal = () => {
  void cluster.shutdown().finally(() => process.exit(130));
};
process.once('SIGINT', stopOnSignal);

async function load(clients: number, secs: number): Promise<LoadResult> {
  const leader = await cluster.waitForLeader();
  const r = await memberApi.load(cluster.url(leader), { clients, seconds: secs, valueBytes: 256 });
  if (r.errors > 0) log(`  (${r.errors} proposals failed; first: ${r.firstError})`);
  return r;
}

async function failoverTrial(trial: number): Promise<FailoverTrial> {
  const killed = await cluster.waitForLeader();
  const before = await memberApi.status(cluster.url(killed));
  // A random phase against the 100 ms ticks, so trials do not all kill at the same point.
  await sleep(Math.random() * 200);
  const at = new Date().toISOString();
  const t0 = performance.now();
  const exited = cluster.kill(killed, 'SIGKILL');
  const put = { key: 'failover', value: String(trial), client: `bench-failover-${process.pid}`, seq: trial };
  const accepted = await writeUntilAccepted(cluster.members, put, { intervalMs: 10, timeoutMs: 30_000 });
  const ms = performance.now() - t0;
  // Terms the election took: 1 when the first candidate won, more after split or lost rounds.
  const after = await memberApi.status(cluster.url(accepted.member));
  await exited;
  await cluster.restart(killed);
  await cluster.waitCaughtUp(killed);
  // Let the restarted member's connections settle (peers' reconnect backoff is <= 2 s).
  await sleep(1_000);
  return { trial, at, killed, newLeader: accepted.member, ms, terms: after.term - before.term };
}

let result: RaftBenchResult;
try {
  log(`Raft benchmark: 3 member processes on 127.0.0.1, data in ${cluster.dir}`);
  await cluster.start();
  const leader = await cluster.waitForLeader();
  log(`leader: ${leader}; warming up (2 s, ${manyClients} clients)...`);
  await load(manyClients, 2);
  const throughput: LoadResult[] = [];
  for (const clients of [1, manyClients]) {
    log(`load: ${clients} client(s) for ${seconds} s on the leader...`);
    const r = await load(clients, seconds);
    log(
      `  ${Math.round(r.perSecond)} committed/s, p50 ${fmtMs(r.p50Ms)}, p99 ${fmtMs(r.p99Ms)}, max ${fmtMs(r.maxMs)}`,
    );
    throughput.push(r);
  }
  let failover: RaftBenchResult['failover'] = null;
  if (!args.profile && trials > 0) {
    const done: FailoverTrial[] = [];
    for (let i = 1; i <= trials; i++) {
      const t = await failoverTrial(i);
      done.push(t);
      const terms = t.terms === 1 ? '' : ` (the election took ${t.terms} terms)`;
      log(
        `failover ${i}/${trials}: killed ${t.killed}, ${t.newLeader} accepted a write after ${fmtMs(t.ms)}${terms}`,
      );
    }
    failover = { trials: done, summary: summarize(done.map((t) => t.ms)) };
  }
  const many = throughput[throughput.length - 1] as LoadResult;
  const goals: RaftBenchResult['goals'] = [
    {
      goal: `>= 10,000 committed/s with ${manyClients} clients`,
      met: many.perSecond >= 10_000,
      detail: `${Math.round(many.perSecond).toLocaleString('en-US')}/s`,
    },
  ];
  if (failover) {
    goals.push({
      goal: 'failover p99 < 2 s',
      met: failover.summary.p99 < 2_000,
      detail: `p99 ${fmtMs(failover.summary.p99)} (p50 ${fmtMs(failover.summary.p50)}, max ${fmtMs(failover.summary.max)})`,
    });
  }
  result = {
    date: new Date().toISOString(),
    command: [
      'npm run bench:raft',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: machine(),
    setup:
      '3 member processes on 127.0.0.1, gRPC + mutual TLS, fsynced WAL (ext4), tick 100 ms, election 10 ticks, ' +
      'heartbeat 1 tick; load clients run inside the leader process',
    throughput,
    failover,
    goals,
  };
} finally {
  // The members' logs outlive the temporary directory, for a look at outliers.
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  for (const m of cluster.members) await cluster.stop(m.id);
  for (const m of cluster.members)
    if (existsSync(m.logFile)) copyFileSync(m.logFile, join(logDir, `${m.id}.log`));
  await cluster.shutdown();
}
writeFileSync(join(outDir, 'raft.json'), `${JSON.stringify(result, null, 2)}\n`);
log('');
log(table(result));
log('');
log(
  `JSON: ${join(outDir, 'raft.json')}; member logs: ${logDir}${args.profile ? `; CPU profiles: ${profDir}` : ''}`,
);
