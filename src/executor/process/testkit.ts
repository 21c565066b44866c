/**
 * Test helpers for the process executor: a throwaway data directory and secrets root, an
 * executor on them whose timers are counted, and specs for the contract's test programs
 * as real shell commands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NS_PER_MS } from '../../api/meta.ts';
import type { Task } from '../../api/task.ts';
import type { ContainerSpec } from '../../api/task-spec.ts';
import { realClock } from '../../base/clock.ts';
import type { ExecutorHarness, TestProgram } from '../contract.ts';
import { makeTask, pollUntil, trackTimers } from '../testing.ts';
import type { ProcessController } from './controller.ts';
import { ProcessExecutor, type ProcessExecutorOptions } from './executor.ts';
import { isAlive, signalGroup } from './proc.ts';
import { readRecord } from './state-file.ts';

/** Runs until stopped; the default SIGTERM ends it. */
export const SERVE = ['sh', '-c', 'while :; do sleep 0.05; done'];
/**
 * Runs until SIGKILLed: SIGTERM is ignored from its first instruction on (coreutils env
 * sets the disposition before it execs the shell; the shell and its sleeps inherit it).
 */
export const IGNORE_STOP = ['env', '--ignore-signal=TERM', 'sh', '-c', 'while :; do sleep 0.05; done'];

export function programSpec(p: TestProgram): ContainerSpec {
  const probe = { Interval: 50 * NS_PER_MS, Timeout: 1_000 * NS_PER_MS, Retries: 3 };
  switch (p.kind) {
    case 'exit':
      return { Image: 'busybox', Command: ['sh', '-c', `sleep 0.05; exit ${p.code}`] };
    case 'serve':
      return { Image: 'busybox', Command: SERVE };
    case 'ignore-stop':
      return { Image: 'busybox', Command: IGNORE_STOP };
    case 'healthy':
      return { Image: 'busybox', Command: SERVE, HealthCheck: { Test: ['CMD', 'true'], ...probe } };
    case 'unhealthy':
      return { Image: 'busybox', Command: SERVE, HealthCheck: { Test: ['CMD-SHELL', 'exit 1'], ...probe } };
    case 'missing-image':
      return { Image: 'shoal-test/missing:1', Args: ['serve'] };
  }
}

export interface Sandbox {
  dataDir: string;
  secretsRoot: string;
  clock: ReturnType<typeof trackTimers>;
  executor(opts?: Partial<ProcessExecutorOptions>): ProcessExecutor;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'shoal-process-'));
  const dataDir = join(root, 'data');
  const secretsRoot = mkdtempSync('/dev/shm/shoal-test-');
  const clock = trackTimers(realClock);
  return {
    dataDir,
    secretsRoot,
    clock,
    executor: (opts = {}) =>
      new ProcessExecutor({
        dataDir,
        secretsRoot,
        clock,
        hostname: 'proc-1',
        logPollMs: 20,
        pollMs: 20,
        ...opts,
      }),
    cleanup() {
      killLeftovers(dataDir); // a failed test must not leave processes behind
      rmSync(root, { recursive: true, force: true });
      rmSync(secretsRoot, { recursive: true, force: true });
    },
  };
}

/** SIGKILLs the process group of every task recorded under `dataDir` that still runs. */
export function killLeftovers(dataDir: string): void {
  let ids: string[];
  try {
    ids = readdirSync(join(dataDir, 'tasks'));
  } catch {
    return;
  }
  for (const id of ids) {
    const r = readRecord(join(dataDir, 'tasks', id, 'state.json'));
    if (r?.pid !== undefined && isAlive(r.pid, r.startTime)) signalGroup(r.pid, 'SIGKILL');
  }
}

let n = 0;
export const nextId = (): string => `t${process.pid}x${++n}`;

/** A harness for the contract suite: a fresh sandbox and executor per test. */
export function harness(): ExecutorHarness {
  const box = sandbox();
  const executor = box.executor();
  return {
    executor,
    clock: box.clock,
    task: (p) => makeTask(nextId(), programSpec(p)),
    until: (cond, timeoutMs) => pollUntil(box.clock, cond, timeoutMs),
    async exists(id) {
      const t = executor.task(id);
      const pid = t?.record?.pid;
      if (pid !== undefined && t?.state === 'running' && isAlive(pid)) return true;
      const { existsSync } = await import('node:fs');
      return existsSync(join(box.dataDir, 'tasks', id)) || existsSync(join(box.secretsRoot, id));
    },
    async dispose() {
      try {
        await executor.dispose();
        assert.equal(box.clock.live, 0, 'no timer outlives its owner');
      } finally {
        box.cleanup();
      }
    },
  };
}

/** Collects a log stream's lines as `stream:text`. */
export async function collect(iter: AsyncIterable<{ stream: string; data: Uint8Array }>): Promise<string[]> {
  const out: string[] = [];
  const dec = new TextDecoder();
  for await (const l of iter) out.push(`${l.stream}:${dec.decode(l.data)}`);
  return out;
}

/** Prepares and starts a task for `spec` directly on a controller. */
export async function started(
  executor: ProcessExecutor,
  spec: ContainerSpec,
  extra: { id?: string; deps?: Parameters<ProcessExecutor['controller']>[1]; task?: Partial<Task> } = {},
) {
  const task = { ...makeTask(extra.id ?? nextId(), spec), ...extra.task };
  const ctlr = executor.controller(task, extra.deps) as ProcessController;
  await ctlr.prepare();
  await ctlr.start();
  return { task, ctlr };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
