/**
 * ProcessTask: one task's process on this node, and everything it leaves there. It outlives
 * controllers (a new controller for the task finds the same object), and a new executor
 * finds it again from its record (state.json): a process still alive, with the PID and
 * start time recorded, is adopted; one that ended while the executor was away is reported
 * with the exit code its wrapper wrote, or as unknown.
 *
 *   new ──prepare──▶ created ──start──▶ running ──exit──▶ exited ──remove──▶ removed
 *        (dirs, secrets,        (wrapper shell in its own
 *         ports, record)         process group, output to files)
 *
 * The process is a child of the executor while the executor that started it lives ('exit'
 * event); an adopted one is watched by polling its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { ContainerStatus, Task } from '../../api/task.ts';
import type { Timer } from '../../base/clock.ts';
import { cancelled, ExecutorError, errorMessage } from '../errors.ts';
import type { ControllerDeps, ExitInfo, HealthStatus } from '../executor.ts';
import { healthCheckOf, stopSignal } from '../spec.ts';
import { findExecutable, notFound, resolveArgv, wrapperArgs } from './command.ts';
import { envObject, taskEnv } from './env.ts';
import { configFiles, inside, secretFiles, writeFiles } from './files.ts';
import { HealthMonitor } from './health.ts';
import { TaskLayout } from './layout.ts';
import { limitsOf, ulimitArgs } from './limits.ts';
import { LogCollector } from './log-collector.ts';
import { groupUsage, isAlive, parseSignal, processStartTime, signalExitCode, signalGroup } from './proc.ts';
import type { ProcessEnv } from './process-env.ts';
import { readRecord, type TaskRecord, writeRecord } from './state-file.ts';

export type ProcessTaskState = 'new' | 'created' | 'running' | 'exited' | 'removed';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // nobody may be waiting: not an unhandled rejection
  return { promise, resolve, reject };
}

const KILL_WAIT_MS = 10_000;

export class ProcessTask {
  state: ProcessTaskState = 'new';
  readonly layout: TaskLayout;
  readonly taskId: string;
  record: TaskRecord | undefined;
  exit: ExitInfo | undefined;
  deps: ControllerDeps | undefined;
  readonly collector: LogCollector;
  private child: ChildProcess | undefined;
  private preparing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private readonly exited = deferred<ExitInfo>();
  private healthMonitor: HealthMonitor | undefined;
  private readonly healthListeners = new Set<(h: HealthStatus) => void>();
  private killTimer: Timer | undefined;
  private killAt = Number.POSITIVE_INFINITY;
  private liveness: Timer | undefined;
  private memoryTimer: Timer | undefined;
  /** Ends start()'s settle wait early (the process ended, the executor is going away). */
  private settling: (() => void) | undefined;
  private killSent = false;
  private memoryKilled = false;
  private frozen = false;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: ProcessEnv,
    readonly task: Task,
    deps: ControllerDeps | undefined,
  ) {
    this.taskId = task.ID;
    this.deps = deps;
    this.layout = new TaskLayout(env.dataDir, env.secretsRoot, task.ID);
    this.collector = new LogCollector(this.layout, env.clock, env.logPollMs);
    const record = readRecord(this.layout.state);
    if (record) this.restore(record);
  }

  // ---- adoption ----

  private restore(r: TaskRecord): void {
    this.record = r;
    this.env.ports.reserve(r.ports);
    if (r.exit) {
      this.state = 'exited';
      this.exit = { ...r.exit };
      this.exited.resolve(this.exit);
      this.collector.feed.end();
      return;
    }
    if (r.pid === undefined) {
      this.state = 'created';
      return;
    }
    this.state = 'running';
    if (isAlive(r.pid, r.startTime)) {
      this.env.logger.info({ task: this.taskId, pid: r.pid }, 'adopted a running task process');
      this.watch();
      this.liveness = this.env.clock.setInterval(() => this.poll(), this.env.pollMs);
      return;
    }
    this.onGone();
  }

  /** An adopted process: is it still there? */
  private poll(): void {
    const r = this.record;
    if (this.state !== 'running' || !r?.pid || isAlive(r.pid, r.startTime)) return;
    this.onGone();
  }

  /** An adopted (not our child) process ended: its exit code is in the wrapper's file. */
  private onGone(): void {
    const pid = this.record?.pid;
    if (pid !== undefined) signalGroup(pid, 'SIGKILL'); // what the process left behind goes too
    let code: number | undefined;
    try {
      const text = readFileSync(this.layout.exit, 'utf8').trim();
      if (/^\d+$/.test(text)) code = Number(text);
    } catch {
      // the wrapper did not write it: killed (by us, or by someone else) or lost
    }
    if (code === undefined && this.killSent) code = signalExitCode('SIGKILL');
    if (code !== undefined) {
      this.onExit(code);
      return;
    }
    this.ended(
      new ExecutorError(
        'internal',
        'task process ended while the executor was away: its exit code is unknown',
      ),
    );
  }

  // ---- the steps ----

  prepare(signal?: AbortSignal): Promise<void> {
    if (this.state === 'removed') return Promise.reject(new ExecutorError('not_found', 'No such container'));
    if (this.state !== 'new') return Promise.resolve();
    this.preparing ??= this.doPrepare(signal).finally(() => {
      this.preparing = undefined;
    });
    return this.preparing;
  }

  private async doPrepare(signal: AbortSignal | undefined): Promise<void> {
    const spec = this.task.Spec.ContainerSpec;
    if (!spec) throw new ExecutorError('invalid_argument', 'task has no container spec');
    const check = (): void => {
      if (signal?.aborted || this.state === 'removed' || this.frozen) throw cancelled('prepare');
    };
    const argv = await resolveArgv(spec, this.env.images, this.env.baseEnv.PATH ?? '');
    const ulimits = ulimitArgs(this.task);
    const sig = stopSignal(spec);
    try {
      parseSignal(sig);
    } catch (e) {
      throw new ExecutorError('invalid_argument', errorMessage(e));
    }
    check();
    const l = this.layout;
    await mkdir(l.dir, { recursive: true, mode: 0o700 });
    const cwd = spec.Dir ? inside(l.work, spec.Dir) : l.work;
    await mkdir(cwd, { recursive: true, mode: 0o700 });
    const secrets = secretFiles(spec.Secrets ?? [], this.deps);
    const configs = configFiles(spec.Configs ?? [], this.deps);
    if (secrets.length > 0) {
      if (this.env.secretsOnDisk) {
        this.env.logger.warn({ dir: l.secretsDir }, 'no tmpfs for secrets: their files are on disk');
      }
      await writeFiles(l.secretsDir, secrets);
    }
    if (configs.length > 0) await writeFiles(l.configs, configs);
    check();
    const ports = await this.env.ports.assign(this.task.Endpoint?.Ports ?? []);
    const env = taskEnv(this.task, {
      nodeId: this.env.nodeId,
      hostname: this.env.hostname,
      workDir: l.work,
      taskDir: l.dir,
      ...(secrets.length > 0 && { secretsDir: l.secretsDir }),
      ...(configs.length > 0 && { configsDir: l.configs }),
      ports,
      ...(this.env.nodeAddress !== undefined && { nodeAddress: this.env.nodeAddress }),
      base: this.env.baseEnv,
    });
    const record: TaskRecord = {
      version: 1,
      taskId: this.taskId,
      containerId: randomBytes(32).toString('hex'),
      argv,
      env,
      cwd,
      ports,
      stopSignal: sig,
    };
    if (ulimits.length > 0) record.ulimits = ulimits;
    try {
      check();
      await this.persist(record);
    } catch (e) {
      this.env.ports.release(ports);
      throw e;
    }
    this.record = record;
    this.state = 'created';
  }

  start(): Promise<void> {
    if (this.state === 'removed') return Promise.reject(new ExecutorError('not_found', 'No such container'));
    if (this.state === 'running' || this.state === 'exited') return Promise.resolve();
    if (this.state === 'new') {
      return Promise.reject(new ExecutorError('failed_precondition', 'task not prepared'));
    }
    this.starting ??= this.doStart().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const r = this.record as TaskRecord;
    const env = envObject(r.env);
    const cmd = r.argv[0] as string;
    if (!(await findExecutable(cmd, env.PATH ?? '', r.cwd))) throw notFound(cmd);
    let argv = r.argv;
    if (r.ulimits) {
      if (!(await findExecutable('prlimit', env.PATH ?? '', r.cwd))) {
        throw new ExecutorError('failed_precondition', 'ulimits need prlimit (util-linux) on the node');
      }
      argv = ['prlimit', ...r.ulimits, '--', ...argv];
    }
    if (this.state !== 'created' || this.frozen) throw cancelled('start');
    const out = await open(this.layout.raw('stdout'), 'a', 0o600);
    const err = await open(this.layout.raw('stderr'), 'a', 0o600);
    let child: ChildProcess | undefined;
    let early: number | undefined;
    try {
      child = spawn('/bin/sh', wrapperArgs(this.layout.exit, argv, r.stopSignal), {
        cwd: r.cwd,
        env,
        detached: true, // its own session and process group: signals reach the whole tree
        stdio: ['ignore', out.fd, err.fd],
      });
      // Listened to at once: a quick process may end before this function goes on.
      child.once('exit', (code, signal) => {
        if (this.frozen) return;
        const exitCode = code ?? (signal ? signalExitCode(signal) : 255);
        if (this.state === 'running') this.onExit(exitCode);
        else early = exitCode;
      });
      const c = child;
      await new Promise<void>((resolve, reject) => {
        c.once('spawn', resolve);
        c.once('error', reject);
      });
      c.on('error', () => {}); // a late error (a failed kill) is not a crash
    } catch (e) {
      throw new ExecutorError('internal', `starting task process failed: ${errorMessage(e)}`);
    } finally {
      await out.close();
      await err.close();
    }
    child.unref(); // the daemon may exit while the task runs on
    const pid = child.pid as number;
    this.child = child;
    r.pid = pid;
    const startTime = processStartTime(pid);
    if (startTime !== undefined) r.startTime = startTime;
    this.state = 'running';
    this.watch();
    if (early !== undefined) this.onExit(early);
    await this.persist(r);
    // A process just started has not set up its signal handling yet (nor has the wrapper):
    // a stop signal in that window would kill it by default or be lost in the wrapper's
    // fork. start() resolves a moment later, so a stop that follows it finds both ready.
    if (this.env.startSettleMs > 0 && this.state === 'running') {
      await new Promise<void>((resolve) => {
        const timer = this.env.clock.setTimeout(() => {
          this.settling = undefined;
          resolve();
        }, this.env.startSettleMs);
        this.settling = () => {
          timer.cancel();
          resolve();
        };
      });
    }
  }

  /** A running process: collect its output, check its health, watch its memory. */
  private watch(): void {
    this.collector.start();
    const check = healthCheckOf(this.task.Spec.ContainerSpec);
    const r = this.record as TaskRecord;
    if (check) {
      this.healthMonitor = new HealthMonitor({
        check,
        clock: this.env.clock,
        cwd: r.cwd,
        env: envObject(r.env),
        onChange: (h) => {
          for (const l of this.healthListeners) l(h);
        },
      });
      this.healthMonitor.start();
    }
    const limits = limitsOf(this.task);
    if (limits.memoryBytes !== undefined || limits.pids !== undefined) {
      let warned = false;
      let busy = false;
      this.memoryTimer = this.env.clock.setInterval(() => {
        const pid = this.record?.pid;
        if (busy || pid === undefined || this.state !== 'running') return;
        busy = true;
        void groupUsage(pid)
          .then((u) => {
            if (this.state !== 'running' || this.frozen) return;
            if (limits.memoryBytes !== undefined && u.rssBytes > limits.memoryBytes) {
              this.env.logger.warn(
                { task: this.taskId, rss: u.rssBytes },
                'task over its memory limit: killed',
              );
              this.memoryKilled = true;
              this.kill();
            } else if (limits.pids !== undefined && u.pids > limits.pids && !warned) {
              warned = true;
              this.env.logger.warn(
                { task: this.taskId, pids: u.pids },
                'task over its pids limit (not enforced)',
              );
            }
          })
          .finally(() => {
            busy = false;
          });
      }, this.env.memoryPollMs);
    }
  }

  private onExit(exitCode: number): void {
    if (this.state !== 'running') return;
    const r = this.record;
    if (r?.pid !== undefined) signalGroup(r.pid, 'SIGKILL'); // what the process left behind goes too
    const exit: ExitInfo = { exitCode, oomKilled: this.memoryKilled };
    if (this.memoryKilled) exit.error = 'memory limit exceeded';
    this.exit = exit;
    if (r) r.exit = { exitCode, oomKilled: this.memoryKilled };
    this.ended(undefined);
  }

  /** The process is gone: stop watching, collect the last output, record, tell waiters. */
  private ended(failure: ExecutorError | undefined): void {
    this.state = 'exited';
    this.stopTimers();
    this.child = undefined;
    const r = this.record;
    void (async () => {
      try {
        await this.collector.finish();
        if (r && this.exit) await this.persist(r);
      } catch (e) {
        this.env.logger.warn({ task: this.taskId, err: errorMessage(e) }, 'recording the exit failed');
      }
      if (failure) this.exited.reject(failure);
      else this.exited.resolve(this.exit as ExitInfo);
    })();
  }

  wait(): Promise<ExitInfo> {
    if (this.state === 'running' || this.state === 'exited') return this.exited.promise;
    return Promise.reject(new ExecutorError('failed_precondition', 'task not started'));
  }

  async shutdown(graceMs: number): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.state !== 'running') return;
    const r = this.record as TaskRecord;
    signalGroup(r.pid as number, parseSignal(r.stopSignal));
    const at = this.env.clock.now() + graceMs;
    if (at < this.killAt) {
      this.killAt = at;
      this.killTimer?.cancel();
      this.killTimer = this.env.clock.setTimeout(() => {
        this.killTimer = undefined;
        this.kill();
      }, graceMs);
    }
    return this.gone();
  }

  async terminate(): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.state !== 'running') return;
    this.kill();
    return this.gone();
  }

  private kill(): void {
    const pid = this.record?.pid;
    if (pid === undefined || this.state !== 'running') return;
    this.killSent = true;
    signalGroup(pid, 'SIGKILL');
    if (this.child) return; // its 'exit' event follows
    this.poll(); // adopted: look at once rather than on the next poll
  }

  /** Resolves once the process is gone, however it went. */
  private gone(): Promise<void> {
    return this.exited.promise.then(
      () => undefined,
      () => undefined,
    );
  }

  async remove(): Promise<void> {
    if (this.state === 'removed') return;
    await this.preparing?.catch(() => {});
    await this.starting?.catch(() => {});
    if (this.state === 'running') {
      this.kill();
      let timer: Timer | undefined;
      const stopped = await Promise.race([
        this.gone().then(() => true),
        new Promise<boolean>((resolve) => {
          timer = this.env.clock.setTimeout(() => resolve(false), KILL_WAIT_MS);
        }),
      ]);
      timer?.cancel();
      if (!stopped) {
        throw new ExecutorError('conflict', 'cannot remove task: could not kill its process');
      }
    }
    if (this.state === 'exited') await this.gone(); // its last output is collected first
    this.state = 'removed';
    this.stopTimers();
    if (this.record) this.env.ports.release(this.record.ports);
    await this.writes;
    await rm(this.layout.dir, { recursive: true, force: true });
    await rm(this.layout.secretsDir, { recursive: true, force: true });
    this.env.forget(this);
  }

  // ---- what controllers read ----

  containerStatus(): ContainerStatus {
    const cs: ContainerStatus = {};
    const r = this.record;
    if (r) cs.ContainerID = r.containerId;
    if (r?.pid !== undefined && this.state === 'running') cs.PID = r.pid;
    if (this.exit) cs.ExitCode = this.exit.exitCode;
    return cs;
  }

  get health(): HealthStatus {
    if (this.state === 'new' || this.state === 'created') return 'none';
    return this.healthMonitor?.status ?? 'none';
  }

  onHealth(listener: (h: HealthStatus) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** The executor is going away: stop every timer; the process runs on, to be adopted. */
  freeze(): void {
    this.frozen = true;
    this.stopTimers();
    this.healthListeners.clear();
    if (this.state === 'running') this.exited.reject(new ExecutorError('unavailable', 'executor disposed'));
  }

  private stopTimers(): void {
    this.settling?.();
    this.settling = undefined;
    this.killTimer?.cancel();
    this.liveness?.cancel();
    this.memoryTimer?.cancel();
    this.killTimer = this.liveness = this.memoryTimer = undefined;
    this.killAt = Number.POSITIVE_INFINITY;
    this.healthMonitor?.stop();
    this.collector.stop();
  }

  /** Writes the record, one write at a time. */
  private persist(r: TaskRecord): Promise<void> {
    const run = this.writes.then(() => writeRecord(this.layout.state, r));
    this.writes = run.catch(() => {});
    return run;
  }
}
