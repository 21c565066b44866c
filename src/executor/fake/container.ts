/**
 * FakeContainer: one fake task's container and process on one fake node, on the injected
 * Clock. It is both what FakeController drives and the handle tests and the simulator use
 * to control it (exit, oomKill, fail, setHealth, hang, failNext, log).
 *
 * Built to be cheap (the simulator runs 100,000 of them): plain fields, at most four
 * timers and only while something is pending, lists allocated on first use, no timer at
 * all for zero-length steps (a cancellable microtask instead).
 *
 *   new ──prepare (pull+create)──▶ created ──start──▶ running ──exit──▶ exited ──remove──▶ removed
 */
import type { ContainerStatus } from '../../api/task.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import type { Rng } from '../../base/rng.ts';
import { cancelled, ExecutorError, noSuchImage } from '../errors.ts';
import type { ExitInfo, HealthStatus } from '../executor.ts';
import { probeTimes } from '../spec.ts';
import { FakeLogs } from './logs.ts';
import type { FakeProgram } from './program.ts';

export type FakeContainerState = 'new' | 'created' | 'running' | 'exited' | 'removed';
export type FakeStep = 'prepare' | 'start' | 'stop' | 'wait';

/** What every container of one FakeExecutor shares. */
export interface FakeEnv {
  clock: Clock;
  rng: Rng;
  hostname: string;
  hasImage(image: string): boolean;
  /** Scales each step's duration by a factor drawn from [1 - jitter, 1 + jitter]. */
  jitter: number;
  forget(c: FakeContainer): void;
}

interface Pending {
  kind: 'prepare' | 'start';
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const NEVER: Timer = { cancel() {} };

export class FakeContainer {
  state: FakeContainerState = 'new';
  containerId: string | undefined;
  pid: number | undefined;
  exit: ExitInfo | undefined;
  /** Set by fail(): wait() rejects with it. */
  failure: ExecutorError | undefined;
  healthStatus: HealthStatus = 'none';
  /** Signals the process received, in order (SIGTERM, SIGKILL…). */
  signals: string[] | undefined;
  logs: FakeLogs | undefined;
  private pending: Pending | undefined;
  private stepTimer: Timer = NEVER;
  private runTimer: Timer = NEVER;
  private healthTimer: Timer = NEVER;
  private killTimer: Timer = NEVER;
  private killAt = Number.POSITIVE_INFINITY;
  /** One promise for every waiter (made on first use): settled by the exit or fail(). */
  private exited:
    | { promise: Promise<ExitInfo>; resolve: (x: ExitInfo) => void; reject: (e: unknown) => void }
    | undefined;
  private healthListeners: Set<(h: HealthStatus) => void> | undefined;
  private injected: Partial<Record<FakeStep, ExecutorError>> | undefined;

  constructor(
    private readonly env: FakeEnv,
    readonly taskId: string,
    readonly image: string,
    public program: FakeProgram,
  ) {}

  get node(): string {
    return this.env.hostname;
  }

  // ---- driven by FakeController ----

  prepare(signal?: AbortSignal): Promise<void> {
    if (this.state === 'removed') return Promise.reject(new ExecutorError('not_found', 'No such container'));
    if (this.state !== 'new') return Promise.resolve();
    if (signal?.aborted) return Promise.reject(cancelled('prepare'));
    const injected = this.take('prepare');
    if (injected) return Promise.reject(injected);
    if (this.pending?.kind === 'prepare') return this.pending.promise;
    const p = this.begin('prepare');
    signal?.addEventListener(
      'abort',
      () => {
        if (this.pending?.kind === 'prepare') this.cancelStep();
      },
      { once: true },
    );
    if (this.program.hang !== 'prepare') {
      this.stepTimer = this.step(this.program.prepareMs, () => {
        this.stepTimer = NEVER;
        if (!this.env.hasImage(this.image)) return this.settle(noSuchImage(this.image));
        this.state = 'created';
        this.containerId = this.newContainerId();
        this.settle();
      });
    }
    return p;
  }

  start(): Promise<void> {
    if (this.state === 'removed') return Promise.reject(new ExecutorError('not_found', 'No such container'));
    if (this.state === 'running' || this.state === 'exited') return Promise.resolve();
    if (this.state === 'new')
      return Promise.reject(new ExecutorError('failed_precondition', 'task not prepared'));
    const injected = this.take('start');
    if (injected) return Promise.reject(injected);
    if (this.pending?.kind === 'start') return this.pending.promise;
    const p = this.begin('start');
    if (this.program.hang !== 'start')
      this.stepTimer = this.step(this.program.startMs, () => {
        this.stepTimer = NEVER;
        this.launch();
      });
    return p;
  }

  wait(): Promise<ExitInfo> {
    const injected = this.take('wait');
    if (injected) return Promise.reject(injected);
    if (this.failure) return Promise.reject(this.failure);
    if (this.exit) return Promise.resolve(this.exit);
    if (this.state !== 'running') {
      return Promise.reject(new ExecutorError('failed_precondition', 'task not started'));
    }
    return this.exitPromise();
  }

  shutdown(graceMs: number): Promise<void> {
    if (this.state !== 'running') {
      this.cancelStep();
      return Promise.resolve();
    }
    const injected = this.take('stop');
    if (injected) return Promise.reject(injected);
    this.signal(this.program.stopSignal);
    const { onStop, stopMs, stopExitCode } = this.program;
    if (onStop === 'exit' && stopMs < graceMs) {
      this.runTimer.cancel();
      this.runTimer = this.step(stopMs, () => this.exitNow(stopExitCode)); // exitNow clears it
    }
    if (onStop !== 'hang') {
      const at = this.env.clock.now() + graceMs;
      if (at < this.killAt) {
        this.killAt = at;
        this.killTimer.cancel();
        this.killTimer = this.after(graceMs, () => this.kill()); // kill → exitNow clears it
      }
    }
    return this.gone();
  }

  terminate(): Promise<void> {
    if (this.state !== 'running') {
      this.cancelStep();
      return Promise.resolve();
    }
    this.kill();
    return this.gone();
  }

  remove(): Promise<void> {
    if (this.state === 'removed') return Promise.resolve();
    if (this.state === 'running') {
      if (this.program.onStop === 'hang') {
        return Promise.reject(
          new ExecutorError('conflict', 'cannot remove container: could not kill running container'),
        );
      }
      this.kill();
    }
    this.cancelStep();
    this.state = 'removed';
    this.env.forget(this);
    return Promise.resolve();
  }

  containerStatus(): ContainerStatus {
    const cs: ContainerStatus = {};
    if (this.containerId !== undefined) cs.ContainerID = this.containerId;
    if (this.pid !== undefined && this.state === 'running') cs.PID = this.pid;
    if (this.exit) cs.ExitCode = this.exit.exitCode;
    return cs;
  }

  onHealth(listener: (h: HealthStatus) => void): () => void {
    this.healthListeners ??= new Set();
    const set = this.healthListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  // ---- the controls (tests, simulator) ----

  /** The process exits now with `code`. */
  exitNow(code = 0, opts: { oomKilled?: boolean; error?: string } = {}): void {
    if (this.state !== 'running') return;
    this.state = 'exited';
    this.exit = { exitCode: code, oomKilled: opts.oomKilled ?? false };
    if (opts.error !== undefined) this.exit.error = opts.error;
    this.stopTimers();
    this.logs?.end();
    this.exited?.resolve(this.exit);
  }

  /** The kernel's OOM killer ends it (exit 137). */
  oomKill(): void {
    this.signal('SIGKILL');
    this.exitNow(137, { oomKilled: true });
  }

  /** The container vanishes under the runtime (wait() rejects with `message`). */
  fail(message = 'dockerexec: container destroyed'): void {
    if (this.state === 'exited' || this.state === 'removed') return;
    this.failure = new ExecutorError('internal', message);
    this.cancelStep();
    this.stopTimers();
    this.state = 'exited';
    this.logs?.end();
    if (this.exited) {
      this.exited.promise.catch(() => {}); // nobody may be waiting: not an unhandled rejection
      this.exited.reject(this.failure);
    }
  }

  setHealth(h: HealthStatus): void {
    this.healthTimer.cancel();
    this.healthTimer = NEVER;
    if (h === this.healthStatus) return;
    this.healthStatus = h;
    for (const l of this.healthListeners ?? []) l(h);
  }

  /** From now on that step never finishes ('stop': neither the stop signal nor SIGKILL work). */
  hang(step: 'prepare' | 'start' | 'stop'): void {
    if (step === 'stop') {
      this.program = { ...this.program, onStop: 'hang' };
      this.killTimer.cancel();
      this.runTimer.cancel();
    } else {
      this.program = { ...this.program, hang: step };
      if (this.pending?.kind === step) this.stepTimer.cancel();
    }
  }

  /** The next call of that step rejects with `message` (temporary: the runner retries). */
  failNext(step: FakeStep, message: string, opts: { temporary?: boolean } = {}): void {
    this.injected ??= {};
    this.injected[step] = new ExecutorError('unavailable', message, { temporary: opts.temporary ?? false });
  }

  log(stream: 'stdout' | 'stderr', text: string): void {
    this.logs ??= new FakeLogs();
    this.logs.write(stream, text, this.env.clock.wallNow());
  }

  /** Cancels every timer (the fake node is going away). */
  freeze(): void {
    this.stopTimers();
    this.stepTimer.cancel();
  }

  // ---- internals ----

  private launch(): void {
    this.state = 'running';
    this.pid = this.env.rng.int(2, 4_194_304);
    this.settle();
    const { health, exitCode, runMs } = this.program;
    if (exitCode !== undefined) this.runTimer = this.step(runMs, () => this.exitNow(exitCode));
    if (!health) return;
    this.healthStatus = 'starting';
    const probes = probeTimes(health);
    const failFrom = health.pass ? health.unhealthyMs : 0;
    if (failFrom !== undefined && failFrom <= probes.firstProbeMs) {
      this.healthTimer = this.after(probes.unhealthyAtMs(failFrom), () => this.setHealth('unhealthy'));
      return;
    }
    this.healthTimer = this.after(probes.firstProbeMs, () => {
      this.setHealth('healthy'); // clears healthTimer
      if (failFrom === undefined) return;
      const wait = probes.unhealthyAtMs(failFrom) - probes.firstProbeMs;
      this.healthTimer = this.after(wait, () => this.setHealth('unhealthy'));
    });
  }

  private kill(): void {
    this.signal('SIGKILL');
    if (this.program.onStop !== 'hang') this.exitNow(137);
  }

  /** Resolves once the process is gone, however it went. */
  private gone(): Promise<void> {
    if (this.state !== 'running') return Promise.resolve();
    return this.exitPromise().then(
      () => undefined,
      () => undefined,
    );
  }

  private exitPromise(): Promise<ExitInfo> {
    if (!this.exited) {
      let resolve!: (x: ExitInfo) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<ExitInfo>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.exited = { promise, resolve, reject };
    }
    return this.exited.promise;
  }

  private begin(kind: 'prepare' | 'start'): Promise<void> {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending = { kind, promise, resolve, reject };
    return promise;
  }

  private settle(err?: unknown): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    if (err === undefined) p.resolve();
    else p.reject(err);
  }

  private cancelStep(): void {
    if (!this.pending) return;
    this.stepTimer.cancel();
    this.stepTimer = NEVER;
    this.settle(cancelled(this.pending.kind));
  }

  /** Cancels the process's timers and drops them (a fired timer's closure keeps promises alive). */
  private stopTimers(): void {
    this.runTimer.cancel();
    this.healthTimer.cancel();
    this.killTimer.cancel();
    this.runTimer = this.healthTimer = this.killTimer = NEVER;
    this.killAt = Number.POSITIVE_INFINITY;
  }

  private take(step: FakeStep): ExecutorError | undefined {
    const e = this.injected?.[step];
    if (e && this.injected) delete this.injected[step];
    return e;
  }

  private signal(sig: string): void {
    this.signals ??= [];
    this.signals.push(sig);
  }

  /** A step of the program (prepare, start, run, stop): its duration gets the jitter. */
  private step(ms: number, fn: () => void): Timer {
    const j = this.env.jitter;
    return this.after(j > 0 && ms > 0 ? ms * (1 + j * (2 * this.env.rng.next() - 1)) : ms, fn);
  }

  /** `fn` after exactly `ms` (grace periods, health probes); 0: a cancellable microtask. */
  private after(ms: number, fn: () => void): Timer {
    if (ms > 0) return this.env.clock.setTimeout(fn, ms);
    let live = true;
    queueMicrotask(() => {
      if (live) fn();
    });
    return {
      cancel() {
        live = false;
      },
    };
  }

  private newContainerId(): string {
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) parts.push(this.env.rng.int(0, 0x1_0000_0000).toString(16).padStart(8, '0'));
    return parts.join('');
  }
}
