/**
 * The manager process of the control-plane benchmark (launched by run.ts): a real
 * Manager, as a daemon would run it: a single-member Raft on a FileStorage WAL in a
 * temporary directory (every save fsynced), the real store, orchestrators, allocator,
 * scheduler and dispatcher, on the real clock. Agents reach the dispatcher through a
 * SessionSocketServer on a unix socket (every session multiplexed on one connection).
 *
 * The driver (the operator's ControlApi calls) runs in this process too, as a daemon's
 * HTTP handler would: the 100 services one by one, probe services while the load
 * converges, then probe services one by one on the converged swarm. It counts from store
 * events how many load tasks reached each state, and reports each phase's wall-clock time.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServiceSpec } from '../../src/api/service.ts';
import { stateRank, TASK_STATES } from '../../src/api/task-state.ts';
import { realClock } from '../../src/base/clock.ts';
import type { LogFields, Logger } from '../../src/base/logger.ts';
import { SeededRng } from '../../src/base/rng.ts';
import { SessionSocketServer } from '../../src/manager/dispatcher/socketlink.ts';
import { Manager } from '../../src/manager/manager.ts';
import { newRaftId } from '../../src/manager/role/raft-ids.ts';
import { bootstrapEntries } from '../../src/raft/core/bootstrap.ts';
import { FileStorage } from '../../src/raft/storage/file.ts';
import type { Transport } from '../../src/raft/transport/transport.ts';
import {
  type BenchConfig,
  LOAD_PREFIX,
  MANAGER_ADDR,
  type ManagerResult,
  memory,
  type ParentMessage,
  type PhaseName,
  PROBE_PREFIX,
  type ProbeCreate,
  send,
  usageMeter,
  wallMs,
} from './shared.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (ns: number) => Math.round(ns / 1e5) / 10;

/** A single-member Raft sends nothing: no transport needed. */
const noTransport: Transport = {
  async start() {},
  send() {},
  addPeer() {},
  removePeer() {},
  async close() {},
};

/** Warnings and errors to stderr; the rest dropped (logging 100,000 tasks would be the cost). */
function stderrLogger(base: LogFields = {}): Logger {
  const line = (level: string) => (fields: LogFields, msg: string) =>
    process.stderr.write(`manager ${level}: ${msg} ${JSON.stringify({ ...base, ...fields })}\n`);
  return {
    debug() {},
    info() {},
    warn: line('warn'),
    error: line('error'),
    child: (fields) => stderrLogger({ ...base, ...fields }),
  };
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += statSync(join(dir, f)).size;
  return n;
}

async function waitFor(cond: () => boolean, ms: number, what: string, every = 5): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

function loadSpec(i: number, replicas: number): ServiceSpec {
  return {
    Name: `${LOAD_PREFIX}${i}`,
    TaskTemplate: {
      ContainerSpec: { Image: `registry.example.com/team/app-${i}:1.27`, Env: ['MODE=production'] },
      Resources: { Reservations: { NanoCPUs: 1e8, MemoryBytes: 64 * 2 ** 20 } },
    },
    Mode: { Replicated: { Replicas: replicas } },
  } as ServiceSpec;
}

function probeSpec(i: number): ServiceSpec {
  return {
    Name: `${PROBE_PREFIX}${i}`,
    TaskTemplate: { ContainerSpec: { Image: 'registry.example.com/team/probe:1' } },
    Mode: { Replicated: { Replicas: 1 } },
  } as ServiceSpec;
}

/** A CPU profile of this process from now until stop() (the inspector's, as --cpu-prof). */
async function startProfile(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main(config: BenchConfig): Promise<void> {
  const rng = new SeededRng(1);
  const nodeId = 'manager-0';
  const raftId = newRaftId(nodeId, rng);
  const storage = FileStorage.open(config.dataDir);
  const boot = bootstrapEntries([{ id: raftId, context: new TextEncoder().encode(MANAGER_ADDR) }]);
  await storage.save(boot.hardState, boot.entries);
  const manager = new Manager({
    nodeId,
    raftId,
    address: MANAGER_ADDR,
    storage,
    transport: noTransport,
    clock: realClock,
    rng,
    logger: stderrLogger(),
  });
  const { store, control } = manager;

  // Counters from store events: load tasks that reached each state (states only move forward).
  const reached = { created: 0, pending: 0, assigned: 0, running: 0 };
  const probesRunning = new Set<string>();
  const ready = new Set<string>();
  const total = config.services * config.replicas;
  const at: ManagerResult['at'] = {};
  const phase = (name: PhaseName) => {
    if (at[name] !== undefined) return;
    at[name] = wallMs();
    send({ type: 'phase', name, at: at[name] });
  };
  const crossed = (was: number, now: number, s: number) => was < s && now >= s;
  store.subscribe(
    (events) => {
      for (const e of events) {
        if (e.table === 'nodes') {
          if (e.object.Status.State === 'ready' && e.object.ID !== nodeId) ready.add(e.object.ID);
          else ready.delete(e.object.ID);
          continue;
        }
        if (e.table !== 'tasks' || e.kind === 'delete') continue;
        const t = e.object;
        const name = t.ServiceAnnotations?.Name ?? '';
        const now = stateRank(t.Status.State);
        const was = e.kind === 'create' ? -1 : e.old ? stateRank(e.old.Status.State) : -1;
        if (name.startsWith(PROBE_PREFIX)) {
          if (crossed(was, now, TASK_STATES.running)) probesRunning.add(t.ServiceID);
          continue;
        }
        if (!name.startsWith(LOAD_PREFIX)) continue;
        if (e.kind === 'create') reached.created++;
        if (crossed(was, now, TASK_STATES.pending)) reached.pending++;
        if (crossed(was, now, TASK_STATES.assigned)) reached.assigned++;
        if (crossed(was, now, TASK_STATES.running)) reached.running++;
      }
      if (reached.created === total) phase('tasksCreated');
      if (reached.pending === total) phase('allPending');
      if (reached.assigned === total) phase('allAssigned');
      if (reached.running === total) phase('allRunning');
    },
    { tables: ['tasks', 'nodes'] },
  );

  await manager.start();
  manager.raft.campaign();
  await waitFor(() => manager.isLeader, 10_000, 'leadership');
  const server = new SessionSocketServer({ acceptor: manager.dispatcher });
  const backlog = 4096;
  await server.listen(
    config.link === 'unix' ? { path: config.socketPath, backlog } : { host: '127.0.0.1', port: 0, backlog },
  );
  const address = server.address();
  send({
    type: 'listening',
    at:
      config.link === 'unix'
        ? { path: address }
        : { host: '127.0.0.1', port: Number(address.split(':').pop()) },
  });

  await waitFor(() => ready.size >= config.nodes, config.timeoutMs, `${config.nodes} nodes ready`, 10);
  phase('nodesReady');

  const probes: ManagerResult['probes'] = { load: [], steady: [] };
  let probeNo = 0;
  const probe = async (into: ProbeCreate[]) => {
    const t = wallMs();
    const s = await control.createService(probeSpec(probeNo++));
    into.push({ serviceId: s.ID, at: t, callMs: wallMs() - t });
  };

  const profiler = config.profilePath ? await startProfile() : undefined;
  const meter = usageMeter();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const samples: ManagerResult['samples'] = [];
  const t0 = wallMs();
  const sampler = setInterval(() => samples.push({ ms: Math.round(wallMs() - t0), ...reached }), 500);
  const done = () => at.allRunning !== undefined;
  // Probes while the load converges: what a user creating one service meanwhile sees.
  const loadProbes = (async () => {
    if (config.loadProbeGapMs <= 0) return;
    while (!done()) {
      await probe(probes.load);
      await sleep(config.loadProbeGapMs);
    }
  })();
  for (let i = 0; i < config.services; i++) await control.createService(loadSpec(i, config.replicas));
  phase('servicesCreated');
  await waitFor(done, config.timeoutMs, 'every load task running', 10).catch((e: Error) => {
    throw new Error(`${e.message} (${JSON.stringify(reached)})`);
  });
  const usage = meter.read();
  if (profiler && config.profilePath) await profiler.stop(config.profilePath);
  lag.disable();
  const lagMs = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
  clearInterval(sampler);
  samples.push({ ms: Math.round(wallMs() - t0), ...reached });
  const memoryAtRunning = memory();
  await loadProbes;

  // The converged swarm: probes one by one.
  await sleep(1_000);
  for (let i = 0; i < config.probes; i++) {
    await probe(probes.steady);
    await sleep(config.probeGapMs);
  }
  const allProbes = probes.load.length + probes.steady.length;
  await waitFor(() => probesRunning.size >= allProbes, 30_000, 'every probe task running', 10);

  const result: ManagerResult = {
    at,
    t0,
    samples,
    memoryAtRunning,
    memoryEnd: memory(true),
    usage,
    lagMs,
    probes,
    raft: {
      appliedIndex: manager.raft.status().appliedIndex,
      walBytes: dirBytes(join(config.dataDir, 'wal')),
    },
    dispatcher: manager.dispatcher.stats(),
    link: server.stats,
    taskBytes: JSON.stringify(
      store.view((tx) => tx.tasks.all().find((t) => t.ServiceAnnotations?.Name.startsWith(LOAD_PREFIX))),
    ).length,
  };
  send({ type: 'manager-result', result });
  await new Promise<void>((resolve) => {
    process.on('message', (m: ParentMessage) => {
      if (m.type === 'stop') resolve();
    });
  });
  await server.close();
  await manager.stop();
}

process.once('message', (m: ParentMessage) => {
  if (m.type !== 'config') return;
  main(m.config).then(
    () => process.exit(0),
    (e: Error) => {
      send({ type: 'error', message: `manager: ${e.stack ?? e.message}` });
      process.exit(1);
    },
  );
});
