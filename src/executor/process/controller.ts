/**
 * ProcessController: the Controller over one ProcessTask. Thin, like the fake's: the task
 * holds the state and outlives controllers; the controller adds the closed check, and
 * close() rejects its pending waits and drops its health listeners, leaving the process
 * running. Beyond the contract it tells the task's port mapping (for the routing mesh).
 */
import type { PortConfig } from '../../api/service.ts';
import type { ContainerStatus, TaskEndpoint } from '../../api/task.ts';
import type { Disposer } from '../../base/owner.ts';
import { controllerClosed } from '../errors.ts';
import type { Controller, ExitInfo, HealthStatus, LogOptions, TaskLogLine } from '../executor.ts';
import { readLog } from './log-reader.ts';
import type { PortMapping } from './ports.ts';
import type { ProcessTask } from './task.ts';

export class ProcessController implements Controller {
  private closed = false;
  private closers = new Set<() => void>();

  constructor(readonly task: ProcessTask) {}

  get taskId(): string {
    return this.task.taskId;
  }

  prepare(signal?: AbortSignal): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.task.prepare(signal);
  }

  start(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.task.start();
  }

  wait(): Promise<ExitInfo> {
    if (this.closed) return Promise.reject(controllerClosed());
    const inner = this.task.wait();
    return new Promise((resolve, reject) => {
      const onClose = (): void => reject(controllerClosed());
      this.closers.add(onClose);
      inner.then(
        (x) => {
          this.closers.delete(onClose);
          resolve(x);
        },
        (e: unknown) => {
          this.closers.delete(onClose);
          reject(e);
        },
      );
    });
  }

  shutdown(gracePeriodMs: number): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.task.shutdown(gracePeriodMs);
  }

  terminate(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.task.terminate();
  }

  remove(): Promise<void> {
    return this.closed ? Promise.reject(controllerClosed()) : this.task.remove();
  }

  containerStatus(): ContainerStatus {
    return this.task.containerStatus();
  }

  health(): HealthStatus {
    return this.task.health;
  }

  onHealthChange(listener: (status: HealthStatus) => void): Disposer {
    if (this.closed) return () => {};
    const off = this.task.onHealth(listener);
    this.closers.add(off);
    return () => {
      off();
      this.closers.delete(off);
    };
  }

  logs(opts?: LogOptions): AsyncIterable<TaskLogLine> {
    if (this.closed) throw controllerClosed();
    return readLog(this.task.layout.log, opts, this.task.collector.feed);
  }

  /** The host port given for each target port ([] before prepare). */
  ports(): PortMapping[] {
    return this.task.record?.ports.map((p) => ({ ...p })) ?? [];
  }

  /** The process listens on its assigned port on every address of the node (mesh ports only). */
  meshEndpoints(): TaskEndpoint[] {
    return this.ports()
      .filter((p) => !p.host)
      .map((p) => ({ TargetPort: p.targetPort, Protocol: p.protocol, Host: '', Port: p.hostPort }));
  }

  /** Host-mode ports, as Docker's PortStatus lists them. */
  portStatus(): PortConfig[] {
    return this.ports()
      .filter((p) => p.host)
      .map((p) => ({
        Protocol: p.protocol,
        TargetPort: p.targetPort,
        PublishedPort: p.hostPort,
        PublishMode: 'host',
      }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const closers = [...this.closers];
    this.closers.clear();
    for (const f of closers) f();
  }
}
