/**
 * The control-plane benchmark:
 *
 *   node --import tsx bench/scheduler/run.ts [--runs 3] [--nodes 5000] [--services 100]
 *        [--replicas 1000] [--probes 200] [--connections 0] [--link tcp|unix] [--profile]
 *
 * 5,000 simulated nodes, 100 services x 1,000 replicas: the time until all 100,000 tasks
 * are RUNNING in the leader's store, its phases, tasks/s, the leader's memory; and the
 * time from "service created" to "executor start() called" for single-replica services
 * created one by one on the converged swarm (and, less often, while the load converges).
 *
 * Each run starts two fresh processes: the manager (manager.ts: a real Manager, single-
 * member Raft on a fsynced WAL in a temporary directory, and the ControlApi driver) and
 * the agents (agents.ts: 5,000 Agents on fake executors). They talk over TCP on
 * 127.0.0.1 (or a unix socket) through src/manager/dispatcher/socketlink.ts: sessions
 * multiplexed over `--connections` connections; 0 (the default) is one per agent, as on
 * a real cluster. One connection for all 5,000 sessions puts every agent's heartbeat
 * answers behind everyone's assignments (BENCHMARKS.md). The leader shares its event
 * loop with nothing but its own subsystems and the driver.
 *
 * Prints a table (min and median over runs) and writes .bench-out/scheduler.json.
 * `--profile` takes a CPU profile of the leader from the first create call to all
 * running (.bench-out/scheduler-prof/leader-run<n>.cpuprofile, for Chrome DevTools) and
 * prints its top self-time entries. `--leader-flags "..."` passes node flags to the
 * manager process (e.g. --max-semi-space-size=64).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { figures, profileSummary, type RunFigures, table } from './report.ts';
import type {
  AgentsResult,
  BenchConfig,
  ChildMessage,
  ManagerResult,
  ParentMessage,
  ProbeStart,
} from './shared.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    nodes: { type: 'string', default: '5000' },
    services: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '1000' },
    probes: { type: 'string', default: '200' },
    'probe-gap': { type: 'string', default: '50' },
    'load-probe-gap': { type: 'string', default: '250' },
    'prepare-ms': { type: 'string', default: '2' },
    'start-ms': { type: 'string', default: '3' },
    timeout: { type: 'string', default: '300' },
    link: { type: 'string', default: 'tcp' },
    connections: { type: 'string', default: '0' },
    'leader-flags': { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
  },
});
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const outDir = join(root, '.bench-out');
const profDir = join(outDir, 'scheduler-prof');
const log = (s: string) => process.stdout.write(`${s}\n`);

function start(script: string, execArgv: string[]): ChildProcess {
  return fork(join(here, script), [], {
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));
}

async function runOnce(n: number, base: Omit<BenchConfig, 'socketPath' | 'dataDir'>): Promise<RunFigures> {
  const load0 = loadavg()[0] ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'shoal-bench-cp-'));
  const config: BenchConfig = { ...base, socketPath: join(dir, 'sessions.sock'), dataDir: join(dir, 'raft') };
  if (args.profile) config.profilePath = join(profDir, `leader-run${n}.cpuprofile`);
  const manager = start('manager.ts', ['--expose-gc', ...leaderFlags]);
  let agents: ChildProcess | undefined;
  const starts: ProbeStart[] = [];
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
  try {
    const [m, a] = await new Promise<[ManagerResult, AgentsResult]>((resolve, reject) => {
      let mr: ManagerResult | undefined;
      let ar: AgentsResult | undefined;
      const toAgents = (msg: ParentMessage) => agents?.send(msg);
      const onMessage = (msg: ChildMessage) => {
        switch (msg.type) {
          case 'listening':
            agents = start('agents.ts', []);
            agents.on('message', onMessage);
            agents.once('exit', (code) => code && reject(new Error(`agents process exited with ${code}`)));
            agents.send({ type: 'config', config: { ...config, listenAt: msg.at } } satisfies ParentMessage);
            return;
          case 'phase':
            log(`  run ${n} ${since()}  ${msg.name}`);
            if (msg.name === 'nodesReady') toAgents({ type: 'mark' });
            if (msg.name === 'allRunning') toAgents({ type: 'report' });
            return;
          case 'probe-starts':
            starts.push(...msg.starts);
            return;
          case 'manager-result':
            mr = msg.result;
            break;
          case 'agents-result':
            ar = msg.result;
            break;
          case 'log':
            log(msg.line);
            return;
          case 'error':
            reject(new Error(msg.message));
            return;
        }
        if (mr && ar) resolve([mr, ar]);
      };
      manager.on('message', onMessage);
      manager.once('exit', (code) => reject(new Error(`manager process exited with ${code}`)));
      manager.send({ type: 'config', config } satisfies ParentMessage);
    });
    // The last probe starts may still be in the agents' 50 ms flush.
    await new Promise((r) => setTimeout(r, 200));
    if (a.sessionEndTimes.length > 0) {
      const hist: Record<number, number> = {};
      for (const t of a.sessionEndTimes) {
        const sec = Math.floor((t - m.t0) / 1000);
        hist[sec] = (hist[sec] ?? 0) + 1;
      }
      log(`  session ends per second since t0: ${JSON.stringify(hist)}`);
    }
    return {
      ...figures(m, a, starts, base.services * base.replicas),
      loadAverage: [load0, loadavg()[0] ?? 0],
    };
  } finally {
    for (const p of [manager, agents])
      if (p && p.exitCode === null) p.send({ type: 'stop' } satisfies ParentMessage);
    await Promise.race([
      Promise.all([exited(manager), agents ? exited(agents) : undefined]),
      new Promise((r) => setTimeout(r, 10_000)),
    ]);
    for (const p of [manager, agents]) if (p && p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = {
  nodes: Number(args.nodes),
  services: Number(args.services),
  replicas: Number(args.replicas),
  probes: Number(args.probes),
  probeGapMs: Number(args['probe-gap']),
  loadProbeGapMs: Number(args['load-probe-gap']),
  prepareMs: Number(args['prepare-ms']),
  startMs: Number(args['start-ms']),
  timeoutMs: Number(args.timeout) * 1000,
  link: args.link === 'unix' ? ('unix' as const) : ('tcp' as const),
  // 0: one connection per agent, as on a real cluster (see BENCHMARKS.md for 1).
  connections: Number(args.connections) || Number(args.nodes),
};
const runs = Number(args.runs);
/** Extra node flags for the manager process (e.g. "--max-semi-space-size=64"). */
const leaderFlags = (args['leader-flags'] ?? '').split(/\s+/).filter(Boolean);
mkdirSync(outDir, { recursive: true });
if (args.profile) mkdirSync(profDir, { recursive: true });
log(
  `control plane: ${base.nodes} nodes, ${base.services} services x ${base.replicas} replicas, ` +
    `${runs} run(s); ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}`,
);
const results: RunFigures[] = [];
const profiles: string[] = [];
for (let i = 1; i <= runs; i++) {
  const f = await runOnce(i, base);
  results.push(f);
  log(
    `  run ${i}: all running at ${f.phasesS.allRunning.toFixed(2)} s (${Math.round(f.tasksPerS)} tasks/s), ` +
      `probe p50 ${f.steady.p50.toFixed(1)} ms, p99 ${f.steady.p99.toFixed(1)} ms, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  log(
    `  agent sessions ended: ${JSON.stringify(f.sessionEnds)}; dispatcher: ${JSON.stringify(f.dispatcher)}`,
  );
  const p = args.profile ? join(profDir, `leader-run${i}.cpuprofile`) : undefined;
  if (p && existsSync(p)) {
    profiles.push(p);
    log(profileSummary(p, root));
  }
}
log('');
log(table(results));
const out = {
  date: new Date().toISOString(),
  command: `node --import tsx bench/scheduler/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.versions.node,
  },
  config: base,
  runs: results,
  profiles,
};
writeFileSync(join(outDir, 'scheduler.json'), `${JSON.stringify(out, null, 2)}\n`);
log(`\nwritten: .bench-out/scheduler.json`);
