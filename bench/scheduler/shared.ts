/**
 * What the control-plane benchmark's three processes share: the configuration the
 * launcher (run.ts) hands the manager process (manager.ts) and the agents process
 * (agents.ts), the IPC messages they send back, and the shared wall clock.
 *
 *   run.ts ──fork──▶ manager.ts  (Manager: Raft on a fsynced WAL, store, orchestrators,
 *      │                          allocator, scheduler, dispatcher; the ControlApi driver)
 *      │                ▲ unix socket: every agent's session multiplexed (socketlink.ts)
 *      └──fork──▶ agents.ts   (5,000 Agents on fake executors)
 */

export interface BenchConfig {
  nodes: number;
  services: number;
  replicas: number;
  /** Single-replica services created one by one once the load has converged. */
  probes: number;
  /** Pause between two of those creates (ms). */
  probeGapMs: number;
  /** While the load converges, one probe service every this many ms (0: none). */
  loadProbeGapMs: number;
  /** Fake container step durations (ms, jittered ±30 %). */
  prepareMs: number;
  startMs: number;
  /** How the agents reach the manager: one unix socket, or TCP on 127.0.0.1. */
  link: 'unix' | 'tcp';
  /** Connections the agents' process opens to the manager (sessions spread over them). */
  connections: number;
  /** The unix socket path (link 'unix'). */
  socketPath: string;
  /** Where the manager listens (set by the launcher once it does). */
  listenAt?: { path: string } | { host: string; port: number };
  dataDir: string;
  /** Write a CPU profile of the leader, from the first create to all running, here. */
  profilePath?: string;
  /** Give up after this long (ms) waiting for any phase. */
  timeoutMs: number;
}

/** The name prefixes that tell the services (and their tasks) apart. */
export const LOAD_PREFIX = 'load-';
export const PROBE_PREFIX = 'probe-';
export const MANAGER_ADDR = 'manager-0:2377';

/** Wall-clock ms shared by both processes on this machine (sub-millisecond). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface Usage {
  /** CPU time (user + system) over the window, ms. */
  cpuMs: number;
  /** Event-loop utilization over the window (0..1). */
  elu: number;
}

/** CPU and event-loop use since `mark()`. */
export function usageMeter(): { mark(): void; read(): Usage } {
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  return {
    mark() {
      cpu = process.cpuUsage();
      elu = performance.eventLoopUtilization();
    },
    read() {
      const c = process.cpuUsage(cpu);
      return {
        cpuMs: (c.user + c.system) / 1000,
        elu: performance.eventLoopUtilization(elu).utilization,
      };
    },
  };
}

export type PhaseName =
  | 'nodesReady'
  | 'servicesCreated'
  | 'tasksCreated'
  | 'allPending'
  | 'allAssigned'
  | 'allRunning';

export interface Memory {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  /** Peak RSS of the process so far. */
  maxRssMiB: number;
  /** Memory outside the JS heap held by ArrayBuffers (Raft entries, socket buffers). */
  arrayBuffersMiB: number;
  /** Heap used after a full GC (when --expose-gc). */
  heapAfterGcMiB?: number;
}

export function memory(gc = false): Memory {
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const m = process.memoryUsage();
  const out: Memory = {
    rssMiB: mb(m.rss),
    heapUsedMiB: mb(m.heapUsed),
    heapTotalMiB: mb(m.heapTotal),
    maxRssMiB: mb(process.resourceUsage().maxRSS * 1024),
    arrayBuffersMiB: mb(m.arrayBuffers),
  };
  const g = (globalThis as { gc?: () => void }).gc;
  if (gc && g) {
    g();
    out.heapAfterGcMiB = mb(process.memoryUsage().heapUsed);
  }
  return out;
}

/** The manager process's result of one run. */
export interface ManagerResult {
  /** Wall-clock ms of each phase's end. */
  at: Partial<Record<PhaseName, number>>;
  /** Wall-clock ms of the first service create call. */
  t0: number;
  /** Progress samples: ms since t0 and how many tasks had reached each state. */
  samples: Array<{ ms: number; created: number; pending: number; assigned: number; running: number }>;
  memoryAtRunning: Memory;
  memoryEnd: Memory;
  /** From t0 to all running. */
  usage: Usage;
  /** The leader's event-loop delay from t0 to all running (ms). */
  lagMs: { p50: number; p99: number; max: number };
  probes: { load: ProbeCreate[]; steady: ProbeCreate[] };
  raft: { appliedIndex: number; walBytes: number };
  dispatcher: unknown;
  link: unknown;
  taskBytes: number;
}

export interface ProbeCreate {
  serviceId: string;
  /** Wall ms just before the ControlApi call. */
  at: number;
  /** How long the call took (the service applied in the leader's store). */
  callMs: number;
}

export interface ProbeStart {
  serviceId: string;
  /** Wall ms when the fake executor's start() was called. */
  at: number;
}

export interface AgentsResult {
  /** Wall ms when the first agent started dialing. */
  dialAt: number;
  /** Wall ms when every agent had an accepted session. */
  sessionsAt: number;
  usage: Usage;
  memory: Memory;
  link: unknown;
  /** Why agent sessions ended, and how often (none, on a healthy run). */
  sessionEnds: Record<string, number>;
  sessionEndTimes: number[];
  /** Event-loop delay while the load converged (p50/p99/max, ms). */
  lagMs: { p50: number; p99: number; max: number };
}

/** Child -> launcher. */
export type ChildMessage =
  | { type: 'listening'; at: { path: string } | { host: string; port: number } }
  | { type: 'phase'; name: PhaseName; at: number }
  | { type: 'log'; line: string }
  | { type: 'probe-starts'; starts: ProbeStart[] }
  | { type: 'manager-result'; result: ManagerResult }
  | { type: 'agents-result'; result: AgentsResult }
  | { type: 'error'; message: string };

/** Launcher -> child. */
export type ParentMessage =
  | { type: 'config'; config: BenchConfig }
  | { type: 'mark' }
  | { type: 'report' }
  | { type: 'stop' };

export function send(msg: ChildMessage): void {
  process.send?.(msg);
}
