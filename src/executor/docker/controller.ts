/**
 * DockerController: one task's container on the Engine. Holds nothing the engine does not
 * also hold: the container is found by its task-id and owner labels, so a new controller
 * (after an agent restart) picks up whatever an earlier one left, and every step is
 * idempotent.
 *
 *   prepare   = [container exists? done] image inspect (pull when allowed) -> stage
 *               secrets/configs (secrets.ts) -> POST /containers/create (create-spec.ts)
 *   start     = watch its events if it has a health check -> POST /start -> inspect
 *   wait      = POST /wait -> inspect (ExitCode, OOMKilled, Error)
 *   shutdown  = POST /kill?signal=<stop signal>; after the grace period POST /kill (SIGKILL)
 *   terminate = POST /kill
 *   remove    = DELETE /containers/{id}?force=1&v=1, then the task's files leave the tmpfs
 *   health    = State.Health from inspect, then health_status events (events.ts)
 *   logs      = GET /logs (logs.ts)
 */
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { PortConfig } from '../../api/service.ts';
import type { ContainerStatus, Task, TaskEndpoint } from '../../api/task.ts';
import type { Disposer } from '../../base/owner.ts';
import { cancelled, controllerClosed, ExecutorError, noSuchImage } from '../errors.ts';
import type {
  Controller,
  ControllerDeps,
  ExitInfo,
  HealthStatus,
  LogOptions,
  TaskLogLine,
} from '../executor.ts';
import { stopSignal } from '../spec.ts';
import { createBody } from './create-spec.ts';
import { engineError, isConflict, isNotFound } from './engine.ts';
import type { DockerEnv } from './env.ts';
import {
  everStarted,
  exitOf,
  hasHealthCheck,
  healthFromEvent,
  healthOf,
  type Inspected,
  statusOfContainer,
} from './inspect.ts';
import { logQuery, readLogStream } from './logs.ts';
import { ownerFilter } from './names.ts';
import { portEndpoints, portStatus, type TaskPortEndpoint } from './ports.ts';
import { planFiles, stageFiles, unstageFiles } from './secrets.ts';

export const FILES_LABEL = 'io.shoal.files';

export class DockerController implements Controller {
  readonly taskId: string;
  private id: string | undefined;
  private status: ContainerStatus = {};
  private healthNow: HealthStatus = 'none';
  private started = false;
  private exit: ExitInfo | undefined;
  private endpoints: TaskPortEndpoint[] = [];
  private closed = false;
  /** Set by shutdown/terminate/remove: a prepare in flight gives up at its next step. */
  private stopping = false;
  private preparing: Promise<void> | undefined;
  private prepareAbort = new AbortController();
  private exitWatch: Promise<ExitInfo> | undefined;
  private waitAbort = new AbortController();
  private readonly healthListeners = new Set<(h: HealthStatus) => void>();
  private readonly closeWaiters = new Set<(e: unknown) => void>();
  private unwatch: (() => void) | undefined;
  private watching: Promise<void> | undefined;

  constructor(
    private readonly env: DockerEnv,
    private readonly task: Task,
    private readonly deps: ControllerDeps | undefined,
    private readonly onClose: (c: DockerController) => void,
  ) {
    this.taskId = task.ID;
    const seen = env.seen(task.ID);
    if (seen) this.healthNow = seen.health;
  }

  // ---- prepare ----

  prepare(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(controllerClosed());
    if (this.id) return Promise.resolve();
    signal?.addEventListener('abort', () => this.prepareAbort.abort(), { once: true });
    if (!this.preparing) {
      const p = this.doPrepare(signal);
      this.preparing = p;
      p.catch(() => {
        if (this.preparing === p) this.preparing = undefined; // a later prepare tries again
      });
    }
    return this.preparing;
  }

  private checkpoint(signal?: AbortSignal): void {
    if (this.closed) throw controllerClosed();
    if (this.stopping || signal?.aborted || this.prepareAbort.signal.aborted) throw cancelled('prepare');
  }

  private async doPrepare(signal?: AbortSignal): Promise<void> {
    const { docker } = this.env;
    if (await this.findId()) return;
    this.checkpoint(signal);
    const spec = this.task.Spec.ContainerSpec;
    const image = spec?.Image;
    if (!image) throw new ExecutorError('invalid_argument', 'task has no container image');
    await this.ensureImage(image);
    this.checkpoint(signal);
    const node = await this.env.node();
    const plan = planFiles(this.task, this.deps, this.env.filesRoot, this.env.owner);
    if (plan) await stageFiles(docker, image, this.env.filesRoot, this.env.owner, plan);
    this.checkpoint(signal);
    const body = createBody(this.task, {
      task: this.task,
      node,
      owner: this.env.owner,
      network: this.env.network,
      meshHostIp: this.env.meshHostIp,
      ...(this.env.nodeAddress !== undefined && { hostModeIp: this.env.nodeAddress }),
      ...(plan && { staged: plan }),
    });
    if (plan) body.Labels = { ...body.Labels, [FILES_LABEL]: plan.dir };
    try {
      const c = await docker.createContainer(body);
      this.setId(c.id);
    } catch (e) {
      // Another controller of this task (or an earlier life of this agent) made it already.
      if (isConflict(e) && (await this.findId())) return;
      throw engineError(e);
    }
  }

  private async ensureImage(image: string): Promise<void> {
    const { docker } = this.env;
    try {
      await docker.getImage(image).inspect();
      return;
    } catch (e) {
      if (!isNotFound(e)) throw engineError(e);
      if (!this.env.pull) throw noSuchImage(image);
    }
    try {
      const stream = await docker.pull(image, { abortSignal: this.prepareAbort.signal });
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (e) {
      this.env.log.warn(
        { task: this.taskId, image, err: engineError(e).message },
        'pulling the image failed',
      );
    }
    try {
      await docker.getImage(image).inspect();
    } catch (e) {
      throw isNotFound(e) ? noSuchImage(image) : engineError(e);
    }
  }

  // ---- start ----

  async start(): Promise<void> {
    if (this.closed) throw controllerClosed();
    const id = await this.requireId();
    const c = this.env.docker.getContainer(id);
    let info = await this.inspect(id);
    if (!everStarted(info)) {
      if (hasHealthCheck(info)) await this.watchEvents(id);
      try {
        await c.start();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 304) throw engineError(e);
      }
      info = await this.inspect(id);
    } else if (hasHealthCheck(info)) {
      await this.watchEvents(id);
      info = await this.inspect(id);
    }
    if (this.closed) throw controllerClosed();
    this.started = true;
    this.record(info);
  }

  private watchEvents(id: string): Promise<void> {
    this.watching ??= this.env.events
      .watch(id, (ev) => {
        const h = healthFromEvent(ev.action);
        if (h) this.setHealth(h);
      })
      .then((off) => {
        this.unwatch = off;
        if (this.closed) off();
      });
    return this.watching;
  }

  // ---- wait ----

  wait(): Promise<ExitInfo> {
    if (this.closed) return Promise.reject(controllerClosed());
    if (this.exit) return Promise.resolve(this.exit);
    if (!this.exitWatch) {
      const p = this.watchExit();
      this.exitWatch = p;
      p.catch(() => {
        if (this.exitWatch === p) this.exitWatch = undefined;
      });
    }
    const inner = this.exitWatch;
    return new Promise((resolve, reject) => {
      this.closeWaiters.add(reject);
      inner.then(
        (x) => {
          this.closeWaiters.delete(reject);
          resolve(x);
        },
        (e: unknown) => {
          this.closeWaiters.delete(reject);
          reject(e);
        },
      );
    });
  }

  private async watchExit(): Promise<ExitInfo> {
    const id = await this.requireId();
    try {
      await this.env.docker.getContainer(id).wait({ abortSignal: this.waitAbort.signal });
    } catch (e) {
      if (this.closed) throw controllerClosed();
      if (isNotFound(e)) throw new ExecutorError('not_found', 'dockerexec: container removed', { cause: e });
      throw engineError(e);
    }
    const info = await this.inspect(id);
    this.record(info);
    const x = exitOf(info);
    if (!x) throw new ExecutorError('internal', 'dockerexec: container did not exit', { temporary: true });
    return x;
  }

  // ---- stopping ----

  async shutdown(gracePeriodMs: number): Promise<void> {
    if (this.closed) throw controllerClosed();
    const id = await this.settlePrepare();
    if (!id) return;
    if (!(await this.isRunning(id))) return;
    const signal = stopSignal(this.task.Spec.ContainerSpec);
    await this.kill(id, signal);
    const gone = this.gone(id);
    let timer: { cancel(): void } | undefined;
    const graceOver = new Promise<'grace'>((resolve) => {
      timer = this.env.clock.setTimeout(() => resolve('grace'), gracePeriodMs);
    });
    const first = await Promise.race([gone.then(() => 'gone' as const), graceOver]);
    timer?.cancel();
    if (first === 'grace') {
      await this.kill(id, 'SIGKILL');
      await gone;
    }
  }

  async terminate(): Promise<void> {
    if (this.closed) throw controllerClosed();
    const id = await this.settlePrepare();
    if (!id || !(await this.isRunning(id))) return;
    await this.kill(id, 'SIGKILL');
    await this.gone(id);
  }

  async remove(): Promise<void> {
    if (this.closed) throw controllerClosed();
    await this.settlePrepare();
    const { docker } = this.env;
    const found = await docker
      .listContainers({ all: true, filters: ownerFilter(this.env.owner, this.taskId) })
      .catch((e: unknown) => {
        throw engineError(e);
      });
    for (const c of found) {
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
      } catch (e) {
        if (!isNotFound(e)) throw engineError(e, 'removing container');
      }
      const files = c.Labels?.[FILES_LABEL];
      if (files) await this.dropFiles(c.Image, files);
    }
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private async dropFiles(image: string, dir: string): Promise<void> {
    const { docker, filesRoot, owner } = this.env;
    try {
      await unstageFiles(docker, image, filesRoot, owner, this.taskId);
    } catch (e) {
      this.env.log.warn({ task: this.taskId, err: engineError(e).message }, 'clearing secrets failed');
    }
    if (this.env.localFiles) rmSync(dir, { recursive: true, force: true });
  }

  /** Stops a prepare in flight and waits for it to settle; the container id, if any. */
  private async settlePrepare(): Promise<string | undefined> {
    this.stopping = true;
    const p = this.preparing;
    if (p) {
      this.prepareAbort.abort();
      await p.catch(() => {});
    }
    return this.id ?? (await this.findId());
  }

  private async kill(id: string, signal: string): Promise<void> {
    try {
      await this.env.docker.getContainer(id).kill({ signal });
    } catch (e) {
      // 409: not running (it exited meanwhile); 404: gone.
      if (!isConflict(e) && !isNotFound(e)) throw engineError(e, `sending ${signal}`);
    }
  }

  /** Resolves once the process is gone, however it went. */
  private gone(id: string): Promise<void> {
    return this.env.docker
      .getContainer(id)
      .wait({ abortSignal: this.waitAbort.signal })
      .then(
        () => undefined,
        () => undefined,
      )
      .then(async () => {
        const info = await this.inspect(id).catch(() => undefined);
        if (info) this.record(info);
      });
  }

  private async isRunning(id: string): Promise<boolean> {
    const info = await this.inspect(id).catch((e: unknown) => {
      if (e instanceof ExecutorError && e.code === 'not_found') return undefined;
      throw e;
    });
    if (!info) return false;
    this.record(info);
    return info.State.Running;
  }

  // ---- what is known ----

  containerStatus(): ContainerStatus {
    return this.status;
  }

  health(): HealthStatus {
    return this.healthNow;
  }

  onHealthChange(listener: (status: HealthStatus) => void): Disposer {
    if (this.closed) return () => {};
    this.healthListeners.add(listener);
    // An adopted running task: its controller may not be watching yet.
    if (!this.watching && !this.exit) void this.watchAdopted();
    return () => {
      this.healthListeners.delete(listener);
    };
  }

  private async watchAdopted(): Promise<void> {
    try {
      const id = await this.findId();
      if (!id || this.closed) return;
      await this.watchEvents(id);
      this.record(await this.inspect(id));
    } catch (e) {
      this.env.log.warn({ task: this.taskId, err: engineError(e).message }, 'watching health failed');
    }
  }

  /** Where each of the task's ports can be reached from this node (see ports.ts). */
  ports(): readonly TaskPortEndpoint[] {
    return this.endpoints;
  }

  /** Where the mesh reaches each ingress port: the engine's binding on this node. */
  meshEndpoints(): TaskEndpoint[] {
    return this.endpoints
      .filter((e) => e.publishMode === 'ingress' && e.hostPort > 0)
      .map((e) => ({
        TargetPort: e.targetPort,
        Protocol: e.protocol,
        Host: e.hostIp === '0.0.0.0' || e.hostIp === '::' ? '' : e.hostIp,
        Port: e.hostPort,
      }));
  }

  /** The task's host-mode ports as Docker reports them in its PortStatus. */
  portStatus(): PortConfig[] {
    return portStatus(this.endpoints);
  }

  logs(opts: LogOptions = {}): AsyncIterable<TaskLogLine> {
    if (this.closed) throw controllerClosed();
    const self = this;
    return (async function* () {
      const id = await self.requireId();
      const c = self.env.docker.getContainer(id);
      const info = await self.inspect(id);
      const query = { ...logQuery(opts), ...(opts.signal && { abortSignal: opts.signal }) };
      let body: unknown;
      try {
        body = await c.logs(query as never);
      } catch (e) {
        throw engineError(e);
      }
      const stream = Buffer.isBuffer(body) ? Readable.from([body]) : (body as Readable);
      if (opts.signal?.aborted) return;
      opts.signal?.addEventListener('abort', () => stream.destroy(), { once: true });
      yield* readLogStream(stream, info.Config.Tty, opts.signal);
    })();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.prepareAbort.abort();
    this.waitAbort.abort();
    this.unwatch?.();
    this.unwatch = undefined;
    this.healthListeners.clear();
    for (const reject of [...this.closeWaiters]) reject(controllerClosed());
    this.closeWaiters.clear();
    this.onClose(this);
  }

  // ---- internals ----

  private setId(id: string): void {
    this.id = id;
    this.status = { ...this.status, ContainerID: id };
  }

  private async findId(): Promise<string | undefined> {
    if (this.id) return this.id;
    let found: Docker.ContainerInfo[];
    try {
      found = await this.env.docker.listContainers({
        all: true,
        filters: ownerFilter(this.env.owner, this.taskId),
      });
    } catch (e) {
      throw engineError(e);
    }
    const c = found[0];
    if (c) this.setId(c.Id);
    return c?.Id;
  }

  private async requireId(): Promise<string> {
    const id = await this.findId();
    if (!id) throw new ExecutorError('failed_precondition', 'task not prepared: no container');
    return id;
  }

  private async inspect(id: string): Promise<Inspected> {
    try {
      return await this.env.docker.getContainer(id).inspect();
    } catch (e) {
      throw engineError(e);
    }
  }

  private record(info: Inspected): void {
    this.status = statusOfContainer(info);
    if (everStarted(info)) this.started = true;
    const x = exitOf(info);
    if (x) this.exit = x;
    if (info.NetworkSettings)
      this.endpoints = portEndpoints(
        this.task.Endpoint?.Ports ?? [],
        info.NetworkSettings,
        this.env.meshHostIp,
      );
    if (this.started) this.setHealth(hasHealthCheck(info) ? healthOf(info) : 'none');
  }

  private setHealth(h: HealthStatus): void {
    if (h === this.healthNow) return;
    this.healthNow = h;
    for (const l of [...this.healthListeners]) l(h);
  }
}
