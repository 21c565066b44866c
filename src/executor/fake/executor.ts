/**
 * FakeExecutor: a fake node's runtime, on an injected Clock and Rng. Tasks "run" as
 * FakeContainers whose behaviour comes from their spec (program.ts), optionally rewritten
 * per task by the `program` option; images are all present except those listed missing.
 * Deterministic: with a seeded Rng and a virtual clock, container ids, PIDs and jittered
 * durations replay exactly.
 *
 * dispose() is the fake node going away: its containers' timers stop and they leave the
 * registry. Closing a controller leaves its container, so a new controller (or list())
 * finds it again, as after an agent restart.
 */
import type { Task } from '../../api/task.ts';
import type { Clock } from '../../base/clock.ts';
import { type Rng, SeededRng } from '../../base/rng.ts';
import { ExecutorError, errorMessage, imageRef } from '../errors.ts';
import type { Controller, ControllerDeps, Executor, ExistingTask, NodeDescriptionInfo } from '../executor.ts';
import { FakeContainer, type FakeEnv } from './container.ts';
import { FakeController } from './controller.ts';
import { type FakeProgram, programOf } from './program.ts';
import { FakeRegistry } from './registry.ts';

export interface FakeExecutorOptions {
  clock: Clock;
  /** Seeded randomness for ids, PIDs and jitter (default: SeededRng(1)). */
  rng?: Rng;
  hostname?: string;
  /** Overrides for what describe() returns. */
  description?: Partial<NodeDescriptionInfo>;
  /** Share one registry across fake nodes to find any task by id. */
  registry?: FakeRegistry;
  /** Images this node can neither find nor pull (prepare fails with "No such image"). */
  missingImages?: Iterable<string>;
  /** Rewrites each task's program (durations, failures drawn by the simulator). */
  program?: (task: Task, program: FakeProgram) => FakeProgram;
  /** Each step's duration is scaled by a factor in [1 - jitter, 1 + jitter] (default 0). */
  jitter?: number;
}

export class FakeExecutor implements Executor {
  readonly registry: FakeRegistry;
  readonly hostname: string;
  private readonly containers = new Map<string, FakeContainer>();
  private readonly missing = new Set<string>();
  private readonly env: FakeEnv;
  private disposed = false;

  constructor(private readonly opts: FakeExecutorOptions) {
    this.registry = opts.registry ?? new FakeRegistry();
    this.hostname = opts.hostname ?? opts.description?.Hostname ?? 'fake-node';
    for (const image of opts.missingImages ?? []) this.missing.add(imageRef(image));
    this.env = {
      clock: opts.clock,
      rng: opts.rng ?? new SeededRng(1),
      hostname: this.hostname,
      jitter: opts.jitter ?? 0,
      hasImage: (image) => !this.missing.has(imageRef(image)),
      forget: (c) => {
        if (this.containers.get(c.taskId) === c) this.containers.delete(c.taskId);
        this.registry.delete(c);
      },
    };
  }

  async describe(): Promise<NodeDescriptionInfo> {
    const d = this.opts.description ?? {};
    return {
      Hostname: this.hostname,
      Platform: d.Platform ?? { Architecture: 'x86_64', OS: 'linux' },
      Resources: d.Resources ?? { NanoCPUs: 4_000_000_000, MemoryBytes: 8 * 1024 ** 3 },
      Engine: d.Engine ?? { EngineVersion: 'shoal-fake', Labels: {} },
    };
  }

  controller(task: Task, _deps?: ControllerDeps): Controller {
    if (this.disposed) throw new ExecutorError('failed_precondition', 'executor disposed');
    const existing = this.containers.get(task.ID);
    if (existing) return new FakeController(existing);
    const image = task.Spec.ContainerSpec?.Image;
    if (!image) throw new ExecutorError('invalid_argument', 'image required');
    let program: FakeProgram;
    try {
      program = programOf(task);
      if (this.opts.program) program = this.opts.program(task, program);
    } catch (e) {
      throw new ExecutorError('invalid_argument', errorMessage(e));
    }
    const c = new FakeContainer(this.env, task.ID, image, program);
    this.containers.set(task.ID, c);
    this.registry.add(c);
    return new FakeController(c);
  }

  async list(): Promise<ExistingTask[]> {
    const out: ExistingTask[] = [];
    for (const c of this.containers.values()) {
      if (c.state === 'new') continue; // nothing created on the node yet
      const t: ExistingTask = {
        taskId: c.taskId,
        containerStatus: c.containerStatus(),
        running: c.state === 'running',
      };
      if (c.exit) t.exit = c.exit;
      out.push(t);
    }
    return out;
  }

  /** This node's container for a task. */
  container(taskId: string): FakeContainer | undefined {
    return this.containers.get(taskId);
  }

  get size(): number {
    return this.containers.size;
  }

  removeImage(image: string): void {
    this.missing.add(imageRef(image));
  }

  addImage(image: string): void {
    this.missing.delete(imageRef(image));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.containers.values()) {
      c.freeze();
      this.registry.delete(c);
    }
    this.containers.clear();
  }
}
