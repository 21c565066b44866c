/**
 * Figures of the control-plane benchmark: one run's figures from the processes' results,
 * the table over several runs (min and median), and a summary of a V8 CPU profile
 * (`node --cpu-prof`): the functions and files with the most self time.
 */
import { readFileSync } from 'node:fs';
import type { AgentsResult, ManagerResult, PhaseName, ProbeCreate, ProbeStart } from './shared.ts';

export interface Latency {
  n: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
}

export interface RunFigures {
  /** Agents dialing -> every node READY in the leader's store (s). */
  nodesReadyS: number;
  /** From the first create call (s). */
  phasesS: Record<Exclude<PhaseName, 'nodesReady'>, number>;
  tasksPerS: number;
  leader: {
    maxRssMiB: number;
    rssMiB: number;
    heapUsedMiB: number;
    heapAfterGcMiB: number;
    arrayBuffersMiB: number;
  };
  leaderCpu: { cpuS: number; elu: number; lagP99Ms: number; lagMaxMs: number };
  agentsCpu: { cpuS: number; elu: number; lagP99Ms: number };
  /** Create call -> executor start() (ms). */
  steady: Latency;
  load: Latency;
  /** How long the ControlApi create call itself took for steady probes (p50, ms). */
  createCallP50Ms: number;
  walMiB: number;
  entries: number;
  link: { toAgentsMiB: number; fromAgentsMiB: number; messages: number };
  /** The leader's dispatcher counters, as it reports them. */
  dispatcher: unknown;
  sessionEnds: Record<string, number>;
  /** Bytes of one load task as JSON (what an assignment carries per task). */
  taskBytes: number;
  /** Progress: [s since the first create, created, pending, assigned, running]. */
  progress: number[][];
  /** The machine's 1-minute load average before and after the run (other work shows here). */
  loadAverage?: [number, number];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function latency(creates: readonly ProbeCreate[], starts: ReadonlyMap<string, number>): Latency {
  const ms: number[] = [];
  let missing = 0;
  for (const c of creates) {
    const s = starts.get(c.serviceId);
    if (s === undefined) missing++;
    else ms.push(s - c.at);
  }
  ms.sort((a, b) => a - b);
  return {
    n: ms.length,
    missing,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.at(-1) ?? Number.NaN,
  };
}

export function figures(
  m: ManagerResult,
  a: AgentsResult,
  starts: readonly ProbeStart[],
  total: number,
): RunFigures {
  const s = (name: PhaseName) => ((m.at[name] ?? Number.NaN) - m.t0) / 1000;
  const byService = new Map(starts.map((x) => [x.serviceId, x.at]));
  const link = m.link as { bytesOut: number; bytesIn: number; sent: number; received: number };
  const running = s('allRunning');
  const steadyCalls = m.probes.steady.map((p) => p.callMs).sort((x, y) => x - y);
  return {
    nodesReadyS: ((m.at.nodesReady ?? Number.NaN) - a.dialAt) / 1000,
    phasesS: {
      servicesCreated: s('servicesCreated'),
      tasksCreated: s('tasksCreated'),
      allPending: s('allPending'),
      allAssigned: s('allAssigned'),
      allRunning: running,
    },
    tasksPerS: total / running,
    leader: {
      maxRssMiB: m.memoryEnd.maxRssMiB,
      rssMiB: m.memoryAtRunning.rssMiB,
      heapUsedMiB: m.memoryAtRunning.heapUsedMiB,
      heapAfterGcMiB: m.memoryEnd.heapAfterGcMiB ?? Number.NaN,
      arrayBuffersMiB: m.memoryAtRunning.arrayBuffersMiB,
    },
    leaderCpu: { cpuS: m.usage.cpuMs / 1000, elu: m.usage.elu, lagP99Ms: m.lagMs.p99, lagMaxMs: m.lagMs.max },
    agentsCpu: { cpuS: a.usage.cpuMs / 1000, elu: a.usage.elu, lagP99Ms: a.lagMs.p99 },
    steady: latency(m.probes.steady, byService),
    load: latency(m.probes.load, byService),
    createCallP50Ms: percentile(steadyCalls, 50),
    walMiB: m.raft.walBytes / 2 ** 20,
    entries: m.raft.appliedIndex,
    link: {
      toAgentsMiB: link.bytesOut / 2 ** 20,
      fromAgentsMiB: link.bytesIn / 2 ** 20,
      messages: link.sent + link.received,
    },
    dispatcher: m.dispatcher,
    sessionEnds: a.sessionEnds,
    taskBytes: m.taskBytes,
    progress: m.samples.map((x) => [x.ms / 1000, x.created, x.pending, x.assigned, x.running]),
  };
}

// ---- the table over runs ----

type Row = [label: string, pick: (f: RunFigures) => number, unit: string, digits: number];

const ROWS: Row[] = [
  ['nodes ready (agents dial -> all READY)', (f) => f.nodesReadyS, 's', 2],
  ['services created (ControlApi, one by one)', (f) => f.phasesS.servicesCreated, 's', 2],
  ['tasks created (orchestrator)', (f) => f.phasesS.tasksCreated, 's', 2],
  ['all pending (allocator)', (f) => f.phasesS.allPending, 's', 2],
  ['all assigned (scheduler)', (f) => f.phasesS.allAssigned, 's', 2],
  ['ALL RUNNING in the leader store', (f) => f.phasesS.allRunning, 's', 2],
  ['tasks/s (to all running)', (f) => f.tasksPerS, '/s', 0],
  ['leader peak RSS', (f) => f.leader.maxRssMiB, 'MiB', 0],
  ['leader RSS at all running', (f) => f.leader.rssMiB, 'MiB', 0],
  ['leader heap used at all running', (f) => f.leader.heapUsedMiB, 'MiB', 0],
  ['leader heap after GC (end)', (f) => f.leader.heapAfterGcMiB, 'MiB', 0],
  ['leader ArrayBuffers at all running', (f) => f.leader.arrayBuffersMiB, 'MiB', 0],
  ['leader CPU to all running', (f) => f.leaderCpu.cpuS, 's', 1],
  ['leader event-loop utilization', (f) => f.leaderCpu.elu, '', 2],
  ['leader event-loop delay p99', (f) => f.leaderCpu.lagP99Ms, 'ms', 0],
  ['leader event-loop delay max', (f) => f.leaderCpu.lagMaxMs, 'ms', 0],
  ['agents process CPU to all running', (f) => f.agentsCpu.cpuS, 's', 1],
  ['agents event-loop delay p99', (f) => f.agentsCpu.lagP99Ms, 'ms', 0],
  [
    'agent sessions ended (should be 0)',
    (f) => Object.values(f.sessionEnds).reduce((a, b) => a + b, 0),
    '',
    0,
  ],
  ['machine load average after the run', (f) => f.loadAverage?.[1] ?? Number.NaN, '', 1],
  ['create -> executor start, p50 (converged)', (f) => f.steady.p50, 'ms', 1],
  ['create -> executor start, p99 (converged)', (f) => f.steady.p99, 'ms', 1],
  ['create call alone, p50 (converged)', (f) => f.createCallP50Ms, 'ms', 1],
  ['create -> executor start, p50 (during load)', (f) => f.load.p50, 'ms', 0],
  ['create -> executor start, p99 (during load)', (f) => f.load.p99, 'ms', 0],
  ['Raft entries / WAL', (f) => f.entries, '', 0],
  ['WAL written', (f) => f.walMiB, 'MiB', 0],
  ['session bytes to agents', (f) => f.link.toAgentsMiB, 'MiB', 0],
  ['session bytes from agents', (f) => f.link.fromAgentsMiB, 'MiB', 0],
];

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

export function table(runs: readonly RunFigures[]): string {
  const fmt = (v: number, d: number) =>
    Number.isFinite(v)
      ? v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
      : '-';
  const lines = [`${'measure'.padEnd(46)}${'min'.padStart(10)}${'median'.padStart(10)}   runs`];
  for (const [label, pick, unit, d] of ROWS) {
    const xs = runs.map(pick);
    const min = Math.min(...xs);
    lines.push(
      `${label.padEnd(46)}${fmt(min, d).padStart(10)}${fmt(median(xs), d).padStart(10)}   ${xs.map((x) => fmt(x, d)).join(' / ')} ${unit}`,
    );
  }
  return lines.join('\n');
}

// ---- CPU profiles ----

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** The top self-time functions and files of a .cpuprofile, as text. */
export function profileSummary(path: string, root: string, top = 30): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const file = n.callFrame.url.replace(`file://${root}`, '') || `(${n.callFrame.functionName || 'native'})`;
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${file}:${n.callFrame.lineNumber + 1}:${n.callFrame.columnNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `${(us / 1000).toFixed(0).padStart(7)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`,
      );
  return [
    `profile ${path}: ${(total / 1e6).toFixed(1)} s sampled`,
    'top functions (self time):',
    ...rows(fns),
    'top files (self time):',
    ...rows(files),
  ].join('\n');
}
