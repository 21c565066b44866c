/**
 * What every task of one ProcessExecutor shares: where things go, the clock and logger,
 * the node's port allocator and image table, and the polling periods.
 */
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import type { PortAllocator } from './ports.ts';
import type { ProcessTask } from './task.ts';

export interface ProcessEnv {
  dataDir: string;
  secretsRoot: string;
  /** secretsRoot is not a tmpfs (no /dev/shm nor XDG_RUNTIME_DIR): warn when writing secrets. */
  secretsOnDisk: boolean;
  nodeId: string;
  hostname: string;
  nodeAddress?: string;
  clock: Clock;
  logger: Logger;
  ports: PortAllocator;
  images: Record<string, string[]>;
  /** The daemon environment tasks inherit PATH and the like from. */
  baseEnv: NodeJS.ProcessEnv;
  /** How often an adopted process's PID is checked. */
  pollMs: number;
  /** How often a running task's output files are read. */
  logPollMs: number;
  /** How often a task with a memory or pids limit is measured. */
  memoryPollMs: number;
  /** How long start() waits after the spawn before it resolves (see task.ts doStart). */
  startSettleMs: number;
  forget(t: ProcessTask): void;
}
