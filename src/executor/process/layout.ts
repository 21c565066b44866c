/**
 * Where a task lives on the node. Everything but its secrets is under the daemon's data
 * directory, one folder per task; secrets go to a tmpfs (see secretsRoot) so their plain
 * text never reaches a disk.
 *
 *   <dataDir>/tasks/<taskId>/
 *     state.json     the task's record: argv, ports, PID + start time, exit (state-file.ts)
 *     work/          the process's working directory (and HOME)
 *     configs/       config files (configs are not secret: Docker writes them to disk too)
 *     stdout.raw     what the process writes, appended by the process itself, so its
 *     stderr.raw       output survives the executor being away
 *     exit           its exit code, written by the wrapper shell when it ends
 *     log.jsonl      the collected log: {"t":ms,"s":"stdout"|"stderr","d":"line"} per line
 *     log.pos        how far into the .raw files the collector has read
 *   <secretsRoot>/<taskId>/   secret files (default /dev/shm/shoal-<node>/)
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Stream = 'stdout' | 'stderr';

export class TaskLayout {
  readonly dir: string;
  readonly secretsDir: string;

  constructor(
    dataDir: string,
    secretsRoot: string,
    readonly taskId: string,
  ) {
    this.dir = join(dataDir, 'tasks', taskId);
    this.secretsDir = join(secretsRoot, taskId);
  }

  get state(): string {
    return join(this.dir, 'state.json');
  }
  get work(): string {
    return join(this.dir, 'work');
  }
  get configs(): string {
    return join(this.dir, 'configs');
  }
  get exit(): string {
    return join(this.dir, 'exit');
  }
  get log(): string {
    return join(this.dir, 'log.jsonl');
  }
  get logPos(): string {
    return join(this.dir, 'log.pos');
  }
  raw(stream: Stream): string {
    return join(this.dir, `${stream}.raw`);
  }
}

/** A file-system-safe form of a node name. */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_') || 'node';
}

/**
 * Where secrets go: a memory-backed file system, so no plain text lands on a disk.
 * /dev/shm (Linux), else $XDG_RUNTIME_DIR (a tmpfs on systemd hosts), else the temp dir
 * (which may be a disk: `onDisk` says so and the executor warns once).
 */
export function defaultSecretsRoot(node: string): { root: string; onDisk: boolean } {
  const dir = `shoal-${safeName(node)}`;
  if (existsSync('/dev/shm')) return { root: join('/dev/shm', dir), onDisk: false };
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime && existsSync(runtime)) return { root: join(runtime, dir), onDisk: false };
  return { root: join(tmpdir(), dir), onDisk: true };
}
