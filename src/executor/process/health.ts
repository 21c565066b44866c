/**
 * Health checks as commands, on Docker's timing (spec.ts's healthCheckOf gives it):
 *
 *   start ──(start interval while in the start period, else interval)──▶ probe ─┐
 *     ▲                                                                         │
 *     └─────────────────────────────── next probe after this one ended ◀───────┘
 *
 * A probe is ["CMD", argv...] (run directly) or ["CMD-SHELL", cmd] (run by /bin/sh -c),
 * in the task's working directory with its environment; it passes when it exits 0 before
 * its timeout (then its process group is SIGKILLed and it fails). 'starting' until the
 * first pass, which makes the task 'healthy'; `retries` counted failures in a row make it
 * 'unhealthy' (failures inside the start period do not count); a pass makes it healthy
 * again. Timers are on the injected clock; stop() ends the timer and any probe in flight.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Clock, Timer } from '../../base/clock.ts';
import type { HealthStatus } from '../executor.ts';
import type { HealthTiming } from '../spec.ts';
import { signalGroup } from './proc.ts';

export interface HealthCheck extends HealthTiming {
  test: string[];
}

export interface HealthMonitorOptions {
  check: HealthCheck;
  clock: Clock;
  cwd: string;
  env: Record<string, string>;
  onChange(status: HealthStatus): void;
}

/** The argv of a probe, or undefined for a test it cannot run. */
export function probeArgv(test: readonly string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

export class HealthMonitor {
  status: HealthStatus = 'starting';
  private failures = 0;
  private timer: Timer | undefined;
  private probe: ChildProcess | undefined;
  private startedAt = 0;
  private stopped = false;

  constructor(private readonly opts: HealthMonitorOptions) {}

  start(): void {
    this.startedAt = this.opts.clock.now();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    const p = this.probe;
    this.probe = undefined;
    if (p?.pid !== undefined && p.exitCode === null) signalGroup(p.pid, 'SIGKILL');
  }

  private inStartPeriod(): boolean {
    return this.opts.clock.now() - this.startedAt < this.opts.check.startPeriodMs;
  }

  private schedule(): void {
    if (this.stopped) return;
    const { startIntervalMs, intervalMs } = this.opts.check;
    this.timer = this.opts.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.run();
      },
      this.inStartPeriod() ? startIntervalMs : intervalMs,
    );
  }

  private run(): void {
    const argv = probeArgv(this.opts.check.test);
    if (!argv) {
      this.result(false);
      return;
    }
    let done = false;
    let timeout: Timer | undefined;
    const finish = (pass: boolean): void => {
      if (done) return;
      done = true;
      timeout?.cancel();
      this.probe = undefined;
      this.result(pass);
    };
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: this.opts.cwd,
        env: this.opts.env,
        stdio: 'ignore',
        detached: true,
      });
    } catch {
      finish(false);
      return;
    }
    this.probe = child;
    child.once('error', () => finish(false));
    child.once('exit', (code) => finish(code === 0));
    timeout = this.opts.clock.setTimeout(() => {
      timeout = undefined;
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      finish(false);
    }, this.opts.check.timeoutMs);
  }

  private result(pass: boolean): void {
    if (this.stopped) return;
    if (pass) {
      this.failures = 0;
      this.set('healthy');
    } else if (!this.inStartPeriod() && ++this.failures >= this.opts.check.retries) {
      this.set('unhealthy');
    }
    this.schedule();
  }

  private set(h: HealthStatus): void {
    if (h === this.status) return;
    this.status = h;
    this.opts.onChange(h);
  }
}
