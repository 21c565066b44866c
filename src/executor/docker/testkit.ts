/**
 * Shared by the Docker executor's tests: a busybox spec for each contract program, a task
 * fixture with a unique id, and an executor on the test engine with a node id of its own
 * (so test files sharing an engine never see each other's containers).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { IMAGES, type TestEngine } from '../../../test/support/dockerd.ts';
import { NS_PER_MS } from '../../api/meta.ts';
import type { Task } from '../../api/task.ts';
import type { ContainerSpec } from '../../api/task-spec.ts';
import { realClock } from '../../base/clock.ts';
import type { TestProgram } from '../contract.ts';
import type { Controller, Executor, LogOptions } from '../executor.ts';
import { TaskRunner } from '../task-runner.ts';
import { makeTask, pollUntil, StatusLog } from '../testing.ts';
import { DockerExecutor, type DockerExecutorOptions } from './executor.ts';

export const MISSING_IMAGE = 'shoal-test/missing:1';

/** Runs until SIGTERM (exits 143 within ~0.1 s of it). */
export const SERVE = 'trap "exit 143" TERM; while true; do sleep 0.1; done';
/** Only SIGKILL ends it. */
export const IGNORE_STOP = 'trap "" TERM; while true; do sleep 0.1; done';

export function busybox(script: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { Image: IMAGES.busybox, Command: ['sh', '-c', script], ...extra };
}

export function programSpec(p: TestProgram): ContainerSpec {
  const probe = { Interval: 200 * NS_PER_MS, Timeout: 2_000 * NS_PER_MS };
  switch (p.kind) {
    case 'exit':
      return busybox(`exit ${p.code}`);
    case 'serve':
      return busybox(SERVE);
    case 'ignore-stop':
      return busybox(IGNORE_STOP);
    case 'healthy':
      return busybox(SERVE, { HealthCheck: { Test: ['CMD', 'true'], ...probe, Retries: 3 } });
    case 'unhealthy':
      return busybox(SERVE, { HealthCheck: { Test: ['CMD', 'false'], ...probe, Retries: 2 } });
    case 'missing-image':
      return { Image: MISSING_IMAGE, Command: ['true'] };
  }
}

export const uid = (): string => randomBytes(12).toString('hex').slice(0, 25);

export function dockerTask(spec: ContainerSpec, fields: Partial<Task> = {}): Task {
  const id = uid();
  return { ...makeTask(id, spec), ServiceAnnotations: { Name: 'svc' }, NodeID: 'testnode', ...fields };
}

/** The tests' tmpfs directory for secrets (emptied directories are removed at exit). */
export const FILES_ROOT = `/dev/shm/shoal-test-${process.pid}`;
process.once('exit', () => rmSync(FILES_ROOT, { recursive: true, force: true }));

export function testExecutor(engine: TestEngine, opts: Partial<DockerExecutorOptions> = {}): DockerExecutor {
  return new DockerExecutor({
    nodeId: `node-${uid().slice(0, 12)}`,
    dockerHost: engine.host,
    network: engine.network,
    filesRoot: FILES_ROOT,
    ...opts,
  });
}

/** Runs `task` through a TaskRunner until it ends (or `timeoutMs`); its statuses. */
export async function runToEnd(executor: Executor, task: Task, timeoutMs = 20_000): Promise<StatusLog> {
  const log = new StatusLog();
  const runner = new TaskRunner({ task, executor, clock: realClock, report: log.listener });
  const ended = () => ['complete', 'shutdown', 'failed', 'rejected'].includes(log.state ?? '');
  try {
    await pollUntil(realClock, ended, timeoutMs, 20);
  } finally {
    await runner.remove();
  }
  log.assertForward();
  return log;
}

/** Collects a task's log lines as "stream: text". */
export async function logLines(ctlr: Controller, opts: LogOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const l of ctlr.logs?.(opts) ?? []) out.push(`${l.stream}: ${new TextDecoder().decode(l.data)}`);
  return out;
}
