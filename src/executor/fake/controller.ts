/**
 * FakeController: the Controller over one FakeContainer. Thin on purpose: the container
 * holds the state (it outlives controllers, as a Docker container does); the controller
 * adds the closed check, and close() rejects its pending waits and drops its health
 * listeners without touching the task.
 */

import type { ContainerStatus } from '../../api/task.ts';
import type { Disposer } from '../../base/owner.ts';
import { controllerClosed } from '../errors.ts';
import type { Controller, ExitInfo, HealthStatus, LogOptions, TaskLogLine } from '../executor.ts';
import type { FakeContainer } from './container.ts';
import { FakeLogs } from './logs.ts';

export class FakeController implements Controller {
  private closed = false;
  private closers: Array<() => void> | undefined;

  constructor(readonly container: FakeContainer) {}

  get taskId(): string {
    return this.container.taskId;
  }

  prepare(signal?: AbortSignal): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.container.prepare(signal);
  }

  start(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.container.start();
  }

  wait(): Promise<ExitInfo> {
    if (this.closed) return Promise.reject(controllerClosed());
    const inner = this.container.wait();
    if (this.container.exit) return inner;
    return new Promise((resolve, reject) => {
      const onClose = (): void => reject(controllerClosed());
      this.closers ??= [];
      this.closers.push(onClose);
      inner.then(
        (x) => {
          this.forget(onClose);
          resolve(x);
        },
        (e: unknown) => {
          this.forget(onClose);
          reject(e);
        },
      );
    });
  }

  shutdown(gracePeriodMs: number): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.container.shutdown(gracePeriodMs);
  }

  terminate(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.container.terminate();
  }

  remove(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.container.remove();
  }

  containerStatus(): ContainerStatus {
    return this.container.containerStatus();
  }

  health(): HealthStatus {
    return this.container.healthStatus;
  }

  onHealthChange(listener: (status: HealthStatus) => void): Disposer {
    if (this.closed) return () => {};
    const off = this.container.onHealth(listener);
    this.closers ??= [];
    this.closers.push(off);
    return () => {
      off();
      this.forget(off);
    };
  }

  logs(opts?: LogOptions): AsyncIterable<TaskLogLine> {
    if (this.closed) throw controllerClosed();
    const c = this.container;
    // A follower of a silent task that has not exited waits for its first line.
    if (opts?.follow && c.state !== 'exited') c.logs ??= new FakeLogs();
    return (async function* () {
      if (c.logs) yield* c.logs.read(opts);
    })();
  }

  private forget(f: () => void): void {
    const i = this.closers?.indexOf(f) ?? -1;
    if (i >= 0) this.closers?.splice(i, 1);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const closers = this.closers;
    this.closers = undefined;
    for (const f of closers ?? []) f();
  }
}
