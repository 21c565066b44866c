/**
 * What a task runs, and how it is wrapped. A host has no images, so a task's image is
 * mostly informational:
 *
 *   1. ContainerSpec.Command given: it is the entrypoint (the image is only a label).
 *   2. The image is in the executor's `images` table: that entrypoint ([] for base images
 *      like busybox or alpine, whose "command" is the task's Args).
 *   3. Else the image's name (`node:20` -> `node`, `library/redis` -> `redis`) is looked up
 *      as an executable on the PATH.
 *   4. Else prepare fails with Docker's "No such image: <ref>" (the task is REJECTED).
 *
 * The argv is entrypoint + Args. start() checks argv[0] exists on the task's PATH and
 * fails like Docker when it does not (`exec: "x": executable file not found in $PATH`).
 *
 * The process runs under a tiny wrapper shell that waits for it and writes its exit code
 * to a file. The wrapper is why an exit is still known when it happened while the executor
 * was away (the executor is then no longer the parent). It catches the usual stop signals
 * (a handler, not "ignore", so the task's process gets default dispositions) and so always
 * lives to write the code; SIGKILL ends it with the rest of the process group.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { ContainerSpec } from '../../api/task-spec.ts';
import { ExecutorError, imageRef, noSuchImage } from '../errors.ts';

/** Images whose entrypoint is empty: their tasks' Args are the command. */
export const BASE_IMAGES: Record<string, string[]> = {
  busybox: [],
  alpine: [],
  debian: [],
  ubuntu: [],
  'shoal/process': [],
};

/** `docker.io/library/node:20@sha256:..` -> `node`. */
export function imageName(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const last = noDigest.slice(noDigest.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** Whether `path` is an executable regular file. */
async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `cmd` found on `pathVar` (or as a path relative to `cwd`); undefined when nowhere. */
export async function findExecutable(cmd: string, pathVar: string, cwd: string): Promise<string | undefined> {
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return (await executable(p)) ? p : undefined;
  }
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (await executable(p)) return p;
  }
  return undefined;
}

/** The task's argv, per the rules above. */
export async function resolveArgv(
  spec: ContainerSpec,
  images: Record<string, string[]>,
  pathVar: string,
): Promise<string[]> {
  let entrypoint: string[] | undefined;
  if (spec.Command && spec.Command.length > 0) entrypoint = spec.Command;
  else {
    const ref = imageRef(spec.Image);
    const name = imageName(spec.Image);
    entrypoint = images[ref] ?? images[spec.Image] ?? images[name];
    if (!entrypoint && name && (await findExecutable(name, pathVar, '/'))) entrypoint = [name];
    if (!entrypoint) throw noSuchImage(spec.Image);
  }
  const argv = [...entrypoint, ...(spec.Args ?? [])];
  if (argv.length === 0) throw new ExecutorError('invalid_argument', 'No command specified');
  return argv;
}

/** The error Docker gives when the task's executable is missing (the task FAILS). */
export function notFound(cmd: string): ExecutorError {
  return new ExecutorError(
    'invalid_argument',
    cmd.includes('/')
      ? `exec: "${cmd}": stat ${cmd}: no such file or directory`
      : `exec: "${cmd}": executable file not found in $PATH`,
  );
}

const TRAPPED = ['HUP', 'INT', 'QUIT', 'TERM', 'USR1', 'USR2'];

/**
 * The wrapper: `sh -c WRAPPER <exit file> argv...`. `prefix` lines run first (ulimits).
 * `stopSignal` is added to the trapped signals if it is a catchable one not listed.
 */
export function wrapperArgs(
  exitFile: string,
  argv: string[],
  stopSignal: string,
  prefix: string[] = [],
): string[] {
  const sig = stopSignal.replace(/^SIG/, '');
  const trapped =
    /^[A-Z0-9]+$/.test(sig) && sig !== 'KILL' && sig !== 'STOP' && !TRAPPED.includes(sig)
      ? [...TRAPPED, sig]
      : TRAPPED;
  const script = [
    `trap : ${trapped.join(' ')}`,
    ...prefix,
    '"$@"',
    'c=$?',
    `printf '%s\\n' "$c" > "$0"`,
    'exit "$c"',
  ].join('\n');
  return ['-c', script, exitFile, ...argv];
}
