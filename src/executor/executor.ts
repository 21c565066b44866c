/**
 * The executor contract: how the agent runs tasks on its node. An Executor describes the
 * node and hands out one Controller per task; a TaskRunner (task-runner.ts) drives the
 * controller through the task's states (progress.ts). Three implementations pass the same
 * suite (contract.ts): fake/ (tests, simulation), process/ (host processes), docker/
 * (the Docker Engine API).
 *
 * Shaped so the Docker implementation fits one call per step:
 *   prepare  = pull the image (a failed pull is only logged) + inspect it + create the container
 *   start    = start the container (health gating is the runner's job, from health())
 *   wait     = POST /containers/{id}/wait, then inspect for the exit code and OOMKilled
 *   shutdown = POST /containers/{id}/stop?t=<grace>   (stop signal, then SIGKILL)
 *   terminate= POST /containers/{id}/kill
 *   remove   = DELETE /containers/{id}?force=1
 *   health   = State.Health.Status from inspect, then health_status events
 *
 * Expected outcomes are values: a non-zero exit is an ExitInfo, not an error. Operations
 * reject (with ExecutorError, errors.ts) only when the step itself could not be done; the
 * error's message is what the user sees as the task's Err ("No such image: nginx:nope").
 */
import type { NodeDescription } from '../api/node.ts';
import type { Config, Secret } from '../api/secret.ts';
import type { PortConfig } from '../api/service.ts';
import type { ContainerStatus, Task, TaskEndpoint } from '../api/task.ts';
import type { Logger } from '../base/logger.ts';
import type { Disposer } from '../base/owner.ts';

/** What a node reports about itself; TLSInfo is added by the agent from its certificate. */
export type NodeDescriptionInfo = Omit<NodeDescription, 'TLSInfo'>;

/** What a controller may need from the agent besides the task itself. */
export interface ControllerDeps {
  logger?: Logger;
  /** Secrets and configs the task references (the agent holds them from its assignments). */
  secret?(id: string): Secret | undefined;
  config?(id: string): Config | undefined;
}

/** How a task's process ended. A non-zero code is an outcome, not an error. */
export interface ExitInfo {
  exitCode: number;
  /** The kernel's OOM killer ended it (Docker's State.OOMKilled). */
  oomKilled: boolean;
  /** The runtime's own explanation, when it has one (Docker's State.Error). */
  error?: string;
}

/**
 * Docker's health states. 'none': the task has no health check (neither in its spec nor in
 * its image); 'starting': checks run but none has decided yet.
 */
export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface LogOptions {
  /** Keep streaming new lines until the task exits or `signal` aborts. */
  follow?: boolean;
  /** Only lines at or after this wall-clock time (ms since the epoch). */
  since?: number;
  /** Only the last n lines present when the call starts. */
  tail?: number;
  /** Which streams (both when neither is given). */
  stdout?: boolean;
  stderr?: boolean;
  signal?: AbortSignal;
}

export interface TaskLogLine {
  stream: 'stdout' | 'stderr';
  /** Wall-clock ms since the epoch. */
  timestamp: number;
  /** One line of output, without its newline. */
  data: Uint8Array;
}

/** A task whose container/process is already on the node (found after an agent restart). */
export interface ExistingTask {
  taskId: string;
  containerStatus: ContainerStatus;
  /** Its process is alive. */
  running: boolean;
  /** How it ended, when it has. */
  exit?: ExitInfo;
}

/**
 * Runs one task. Every operation is idempotent (prepare on a prepared task, start on a
 * started one, resolve at once), so a new controller can pick up a task an earlier one
 * left (adoption after an agent restart). shutdown/terminate/remove may be called at any
 * time, also while prepare or start are in flight: they make those settle.
 */
export interface Controller {
  readonly taskId: string;
  /** Makes everything ready so start() runs at once: image, container, mounts. */
  prepare(signal?: AbortSignal): Promise<void>;
  /** Starts the process; resolves once it is started (not once it is healthy). */
  start(): Promise<void>;
  /**
   * Resolves when the process exits, however it exits (also after shutdown or terminate).
   * Call it after start() resolved; every call gets the same outcome. Rejects when the
   * outcome cannot be known (controller closed, container destroyed, runtime gone).
   */
  wait(): Promise<ExitInfo>;
  /**
   * Sends the stop signal (the spec's StopSignal, SIGTERM by default), then SIGKILL if the
   * process is still alive after `gracePeriodMs`. Resolves once the process is gone (at
   * once if it never started or already exited).
   */
  shutdown(gracePeriodMs: number): Promise<void>;
  /** SIGKILL now; resolves once the process is gone. */
  terminate(): Promise<void>;
  /** Removes everything the task left on the node, killing it first if it still runs. */
  remove(): Promise<void>;
  /** What is known of the container: its id once created, PID once started, exit code once exited. */
  containerStatus(): ContainerStatus;
  /**
   * Current health. 'none' before start() resolved; 'none' after it means the task has no
   * health check at all, and then it never changes.
   */
  health(): HealthStatus;
  /** Calls `listener` on every later health change until the disposer runs (or close()). */
  onHealthChange(listener: (status: HealthStatus) => void): Disposer;
  /** The task's output (stdout/stderr lines). */
  logs?(opts?: LogOptions): AsyncIterable<TaskLogLine>;
  /** Once started: where each target port answers on this node (for the routing mesh). */
  meshEndpoints?(): TaskEndpoint[];
  /** Once started: its host-mode published ports, as Docker's PortStatus lists them. */
  portStatus?(): PortConfig[];
  /**
   * Releases this controller's own resources (event subscriptions, pending waits reject).
   * The task itself is left as it is: a new controller for it can pick it up.
   */
  close(): void;
}

/** The node's runtime: describes the node and makes controllers. */
export interface Executor {
  describe(): Promise<NodeDescriptionInfo>;
  /**
   * A controller for `task`. Throws ExecutorError when the task cannot run here at all
   * (no image, unsupported runtime): the runner reports that as REJECTED.
   */
  controller(task: Task, deps?: ControllerDeps): Controller;
  /** Tasks already present on the node, for adoption after an agent restart. */
  list?(): Promise<ExistingTask[]>;
  /** Releases the executor's resources. Whether tasks survive is the implementation's to say. */
  dispose(): Promise<void>;
}
