/**
 * ProcessExecutor: runs a node's tasks as host processes, for machines without a container
 * engine (the quick start, development). Each task gets a folder under the daemon's data
 * directory, a wrapper shell in its own process group, output captured to files, a host
 * port per target port, health checks as commands, and secrets on a tmpfs (see layout.ts,
 * command.ts, task.ts). Passes the executor contract (../contract.ts).
 *
 * dispose() leaves the processes running: a new executor on the same data directory
 * adopts them (controller() finds a task's record; list() lists every task on the node).
 */
import { readdir } from 'node:fs/promises';
import { cpus, hostname as osHostname, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { Task } from '../../api/task.ts';
import type { Clock } from '../../base/clock.ts';
import { realClock } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { ExecutorError } from '../errors.ts';
import type { Controller, ControllerDeps, Executor, ExistingTask, NodeDescriptionInfo } from '../executor.ts';
import { BASE_IMAGES } from './command.ts';
import { ProcessController } from './controller.ts';
import { defaultSecretsRoot, TaskLayout } from './layout.ts';
import { PortAllocator, type PortMapping } from './ports.ts';
import { isAlive } from './proc.ts';
import type { ProcessEnv } from './process-env.ts';
import { readRecord } from './state-file.ts';
import { ProcessTask } from './task.ts';

export interface ProcessExecutorOptions {
  /** The daemon's data directory: tasks live in <dataDir>/tasks/<taskId>/. */
  dataDir: string;
  /** The host name the node reports (default: the machine's). */
  hostname?: string;
  /** The node's id, for SHOAL_NODE_ID when a task does not carry it. */
  nodeId?: string;
  clock?: Clock;
  logger?: Logger;
  /** Where secret files go (default: /dev/shm/shoal-<hostname>, a tmpfs). */
  secretsRoot?: string;
  /** Image -> entrypoint, added to the base images (busybox, alpine…: []). */
  images?: Record<string, string[]>;
  /**
   * The node's own address, given to tasks as SHOAL_NODE_ADDR: a host-mode server that
   * binds it answers on this node only (several nodes may share one machine).
   */
  nodeAddress?: string;
  /** Host ports for target ports come from this range (default: any free port). */
  portRange?: [number, number];
  /** The environment tasks inherit PATH etc. from (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
  pollMs?: number;
  logPollMs?: number;
  memoryPollMs?: number;
  /** start() resolves this long after the spawn, once the process can take signals (default 50 ms). */
  startSettleMs?: number;
  description?: Partial<NodeDescriptionInfo>;
}

/** A task found on the node, with its port mapping. */
export interface ProcessExistingTask extends ExistingTask {
  ports: PortMapping[];
}

export class ProcessExecutor implements Executor {
  readonly hostname: string;
  private readonly tasks = new Map<string, ProcessTask>();
  private readonly env: ProcessEnv;
  private disposed = false;

  constructor(private readonly opts: ProcessExecutorOptions) {
    // Absolute: the paths end up in the tasks' environment (HOME, SHOAL_TASK_DIR).
    this.opts = { ...opts, dataDir: resolve(opts.dataDir) };
    this.hostname = opts.hostname ?? opts.description?.Hostname ?? osHostname();
    const secrets =
      opts.secretsRoot !== undefined
        ? { root: resolve(opts.secretsRoot), onDisk: false }
        : defaultSecretsRoot(this.hostname);
    this.env = {
      dataDir: this.opts.dataDir,
      secretsRoot: secrets.root,
      secretsOnDisk: secrets.onDisk,
      nodeId: opts.nodeId ?? '',
      hostname: this.hostname,
      ...(opts.nodeAddress !== undefined && { nodeAddress: opts.nodeAddress }),
      clock: opts.clock ?? realClock,
      logger: (opts.logger ?? nullLogger).child({ executor: 'process' }),
      ports: new PortAllocator(opts.portRange ? { range: opts.portRange } : {}),
      images: { ...BASE_IMAGES, ...opts.images },
      baseEnv: opts.baseEnv ?? process.env,
      pollMs: opts.pollMs ?? 500,
      logPollMs: opts.logPollMs ?? 200,
      memoryPollMs: opts.memoryPollMs ?? 1_000,
      startSettleMs: opts.startSettleMs ?? 50,
      forget: (t) => {
        if (this.tasks.get(t.taskId) === t) this.tasks.delete(t.taskId);
      },
    };
  }

  async describe(): Promise<NodeDescriptionInfo> {
    const d = this.opts.description ?? {};
    return {
      Hostname: this.hostname,
      Platform: d.Platform ?? {
        Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
        OS: process.platform,
      },
      Resources: d.Resources ?? { NanoCPUs: cpus().length * 1_000_000_000, MemoryBytes: totalmem() },
      Engine: d.Engine ?? { EngineVersion: 'shoal-process', Labels: {} },
    };
  }

  controller(task: Task, deps?: ControllerDeps): Controller {
    if (this.disposed) throw new ExecutorError('failed_precondition', 'executor disposed');
    if (!task.Spec.ContainerSpec) throw new ExecutorError('invalid_argument', 'task has no container spec');
    let t = this.tasks.get(task.ID);
    if (t) {
      if (deps) t.deps = deps;
    } else {
      t = new ProcessTask(this.env, task, deps);
      this.tasks.set(task.ID, t);
    }
    return new ProcessController(t);
  }

  /** The task object for `taskId`, if this executor has one (tests, the routing mesh). */
  task(taskId: string): ProcessTask | undefined {
    return this.tasks.get(taskId);
  }

  /** The host ports of a task's target ports. */
  ports(taskId: string): PortMapping[] {
    const r =
      this.tasks.get(taskId)?.record ?? readRecord(new TaskLayout(this.opts.dataDir, '', taskId).state);
    return r?.ports.map((p) => ({ ...p })) ?? [];
  }

  async list(): Promise<ProcessExistingTask[]> {
    let ids: string[];
    try {
      ids = await readdir(new TaskLayout(this.opts.dataDir, '', '').dir);
    } catch {
      return [];
    }
    const out: ProcessExistingTask[] = [];
    for (const id of ids) {
      const t = this.tasks.get(id);
      if (t) {
        if (t.state === 'new' || t.state === 'removed' || !t.record) continue;
        const e: ProcessExistingTask = {
          taskId: id,
          containerStatus: t.containerStatus(),
          running: t.state === 'running',
          ports: t.record.ports,
        };
        if (t.exit) e.exit = t.exit;
        out.push(e);
        continue;
      }
      const r = readRecord(new TaskLayout(this.opts.dataDir, '', id).state);
      if (!r) continue;
      const running = !r.exit && r.pid !== undefined && isAlive(r.pid, r.startTime);
      const e: ProcessExistingTask = {
        taskId: id,
        containerStatus: { ContainerID: r.containerId },
        running,
        ports: r.ports,
      };
      if (running) e.containerStatus.PID = r.pid as number;
      if (r.exit) {
        e.exit = { ...r.exit };
        e.containerStatus.ExitCode = r.exit.exitCode;
      }
      out.push(e);
    }
    return out;
  }

  /** Stops watching every task; their processes run on, for a new executor to adopt. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tasks.values()) t.freeze();
    this.tasks.clear();
  }
}
