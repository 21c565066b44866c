/**
 * DockerExecutor: a node's tasks as containers on a Docker Engine (dockerode), found as
 * Docker's tools find it (engine.ts). Several Shoal nodes may share one engine: each
 * executor only sees containers carrying its own OWNER_LABEL (names.ts).
 *
 * Nothing here is serialised across tasks: each controller talks to the engine on its own
 * requests (the agent starts every assigned task at once); the only shared connection
 * is the event stream for health changes (events.ts).
 */

import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { Task } from '../../api/task.ts';
import { type Clock, realClock } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import { ExecutorError } from '../errors.ts';
import type {
  ControllerDeps,
  Executor,
  ExistingTask,
  HealthStatus,
  NodeDescriptionInfo,
} from '../executor.ts';
import { DockerController } from './controller.ts';
import { connect, type EngineEndpoint, engineError, resolveEngine } from './engine.ts';
import type { DockerEnv } from './env.ts';
import { EngineEvents } from './events.ts';
import { exitOf, hasHealthCheck, healthOf, statusOfContainer } from './inspect.ts';
import { LABEL, ownerFilter, type TemplateContext } from './names.ts';
import { DEFAULT_FILES_ROOT } from './secrets.ts';

/** The part of GET /info the executor reads. */
interface EngineInfo {
  Name: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  ServerVersion: string;
  Labels?: string[] | null;
  Plugins?: Record<string, string[] | null>;
}

export interface DockerExecutorOptions {
  /** The Shoal node id this executor runs tasks for (labels every container it makes). */
  nodeId: string;
  /** unix:///path or tcp://host:port; else DOCKER_HOST, else /var/run/docker.sock. */
  dockerHost?: string;
  /** The host name the node reports (default: the engine's). */
  hostname?: string;
  /** Pull images that are not present (default false: offline nodes only run local images). */
  pull?: boolean;
  /** Docker network the task containers join (default: the engine's default). */
  network?: string;
  /** Where ingress ports are published for the routing mesh (default 127.0.0.1). */
  meshHostIp?: string;
  /**
   * The node's own address: host-mode ports are bound on it instead of every address, so
   * several nodes sharing one machine each answer on their own address only.
   */
  nodeAddress?: string;
  /** A tmpfs directory on the engine host for secrets and configs (default /dev/shm/shoal). */
  filesRoot?: string;
  clock?: Clock;
  logger?: Logger;
  /** An existing client (tests); otherwise one is made for the endpoint. */
  docker?: Docker;
}

export class DockerExecutor implements Executor {
  readonly endpoint: EngineEndpoint;
  readonly docker: Docker;
  private readonly env: DockerEnv;
  private readonly controllers = new Set<DockerController>();
  private readonly seen = new Map<string, { health: HealthStatus }>();
  private info: Promise<EngineInfo> | undefined;
  private disposed = false;

  constructor(readonly opts: DockerExecutorOptions) {
    if (!opts.nodeId) throw new ExecutorError('invalid_argument', 'docker executor: node id required');
    this.endpoint = resolveEngine(opts.dockerHost);
    this.docker = opts.docker ?? connect(this.endpoint);
    const clock = opts.clock ?? realClock;
    const log = (opts.logger ?? nullLogger).child({ executor: 'docker' });
    const filesRoot = opts.filesRoot ?? DEFAULT_FILES_ROOT;
    this.env = {
      docker: this.docker,
      owner: opts.nodeId,
      clock,
      log,
      events: new EngineEvents(this.docker, opts.nodeId, clock, log),
      pull: opts.pull ?? false,
      network: opts.network,
      meshHostIp: opts.meshHostIp ?? '127.0.0.1',
      nodeAddress: opts.nodeAddress,
      filesRoot,
      localFiles: this.endpoint.socketPath !== undefined && existsSync(this.endpoint.socketPath),
      node: () => this.templateNode(),
      seen: (taskId) => this.seen.get(taskId),
    };
  }

  private engineInfo(): Promise<EngineInfo> {
    if (!this.info) {
      const p: Promise<EngineInfo> = this.docker.info();
      this.info = p;
      p.catch(() => {
        if (this.info === p) this.info = undefined;
      });
    }
    return this.info.catch((e: unknown) => {
      throw engineError(e, 'docker engine');
    });
  }

  private async templateNode(): Promise<TemplateContext['node']> {
    const i = await this.engineInfo();
    return {
      id: this.opts.nodeId,
      hostname: this.opts.hostname ?? i.Name,
      os: i.OSType,
      architecture: i.Architecture,
    };
  }

  async describe(): Promise<NodeDescriptionInfo> {
    const i = await this.engineInfo();
    const labels: Record<string, string> = {};
    for (const l of i.Labels ?? []) {
      const eq = l.indexOf('=');
      if (eq > 0) labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
    const plugins: Array<{ Type: string; Name: string }> = [];
    const p = i.Plugins ?? {};
    for (const [type, names] of [
      ['Volume', p.Volume],
      ['Network', p.Network],
      ['Log', p.Log],
    ] as const)
      for (const name of names ?? []) plugins.push({ Type: type, Name: name });
    return {
      Hostname: this.opts.hostname ?? i.Name,
      Platform: { Architecture: i.Architecture, OS: i.OSType },
      Resources: { NanoCPUs: i.NCPU * 1e9, MemoryBytes: i.MemTotal },
      Engine: { EngineVersion: i.ServerVersion, Labels: labels, Plugins: plugins },
    };
  }

  controller(task: Task, deps?: ControllerDeps): DockerController {
    if (this.disposed) throw new ExecutorError('failed_precondition', 'executor disposed');
    const c = new DockerController(this.env, task, deps, (done) => this.controllers.delete(done));
    this.controllers.add(c);
    return c;
  }

  /** This node's task containers (created, running or exited), for adoption. */
  async list(): Promise<ExistingTask[]> {
    let found: Docker.ContainerInfo[];
    try {
      found = await this.docker.listContainers({ all: true, filters: ownerFilter(this.opts.nodeId) });
    } catch (e) {
      throw engineError(e);
    }
    const out = await Promise.all(
      found
        .filter((c) => c.Labels?.[LABEL.taskId])
        .map(async (c): Promise<ExistingTask | undefined> => {
          const taskId = c.Labels[LABEL.taskId] as string;
          const info = await this.docker
            .getContainer(c.Id)
            .inspect()
            .catch(() => undefined);
          if (!info) return undefined; // removed meanwhile
          this.seen.set(taskId, {
            health: hasHealthCheck(info) && info.State.Running ? healthOf(info) : 'none',
          });
          const t: ExistingTask = {
            taskId,
            containerStatus: statusOfContainer(info),
            running: info.State.Running,
          };
          const exit = exitOf(info);
          if (exit) t.exit = exit;
          return t;
        }),
    );
    return out.filter((t): t is ExistingTask => t !== undefined);
  }

  /** Releases the engine connection and every controller; the containers keep running. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of [...this.controllers]) c.close();
    this.env.events.dispose();
  }
}
