/**
 * Secrets and configs as files, never in plain text on the worker's disk.
 *
 * Docker's own swarm keeps them on a tmpfs it mounts under its data root and bind-mounts
 * the files into the container. Through the Engine API we do the same with a tmpfs that
 * every Linux host already has, /dev/shm (the `filesRoot` option):
 *
 *   1. prepare: a throw-away "stager" container (the task's image, never started) binds
 *      <filesRoot> and receives one tar through PUT /containers/{id}/archive; the Engine
 *      extracts it into <filesRoot>/<owner>/<task>/{secrets,configs} with the tar's uid,
 *      gid and mode (<owner> is mode 0700, so other host users cannot look in). The stager
 *      is removed. Works for a remote engine too: no file is written by Shoal itself.
 *   2. create: the task's container binds <task>/secrets read-only at /run/secrets and each
 *      config file (and each secret with an absolute target) read-only at its target, so
 *      every file is there before the process starts (no race, no wrapper in the image).
 *   3. remove: a second stager puts an empty regular file named <task> over the task's
 *      directory; the Engine's extraction replaces a directory by a file (RemoveAll), so
 *      the data is gone from memory, again without touching the host ourselves.
 *
 * Why not a tmpfs mount and putArchive? The Engine writes archives through the container's
 * root filesystem on the host, beneath the tmpfs: the files land on disk and are hidden
 * from the process (tried on Docker 20.10).
 */

import { posix } from 'node:path';
import type Docker from 'dockerode';
import type { Task } from '../../api/task.ts';
import { ExecutorError } from '../errors.ts';
import type { ControllerDeps } from '../executor.ts';
import { engineError } from './engine.ts';
import { OWNER_LABEL } from './names.ts';
import { type TarEntry, tar } from './tar.ts';

export const SECRETS_DIR = '/run/secrets';
export const DEFAULT_FILES_ROOT = '/dev/shm/shoal';
const STAGE = '/shoal-stage';
export const STAGER_LABEL = 'io.shoal.stager';

export interface StagedFiles {
  /** The task's directory on the engine host. */
  dir: string;
  /** Read-only binds for the container (HostConfig.Binds). */
  binds: string[];
}

export interface FilePlan extends StagedFiles {
  /** Relative to filesRoot. */
  entries: TarEntry[];
}

const num = (s: string | undefined): number => {
  const n = Number(s ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
};

function safeRel(name: string): string {
  const n = posix.normalize(name).replace(/^\/+/, '');
  if (n === '' || n === '.' || n.startsWith('../'))
    throw new ExecutorError('invalid_argument', `invalid file name: ${name}`);
  return n;
}

/** Which files the task needs and where they go; undefined when it has none. */
export function planFiles(
  task: Task,
  deps: ControllerDeps | undefined,
  root: string,
  owner: string,
): FilePlan | undefined {
  const spec = task.Spec.ContainerSpec;
  const secrets = spec?.Secrets ?? [];
  const configs = (spec?.Configs ?? []).filter((c) => c.File);
  if (secrets.length === 0 && configs.length === 0) return undefined;
  const rel = `${owner}/${task.ID}`;
  const dir = `${root}/${rel}`;
  const entries: TarEntry[] = [
    { path: owner, type: 'dir', mode: 0o700 },
    { path: rel, type: 'dir', mode: 0o755 },
    { path: `${rel}/secrets`, type: 'dir', mode: 0o755 },
    { path: `${rel}/files`, type: 'dir', mode: 0o755 },
  ];
  const binds: string[] = [];
  const dirs = new Set<string>();
  const addFile = (
    under: string,
    name: string,
    data: Uint8Array,
    f?: { UID: string; GID: string; Mode: number },
  ) => {
    const path = `${rel}/${under}/${name}`;
    for (let d = posix.dirname(path); d !== `${rel}/${under}` && !dirs.has(d); d = posix.dirname(d)) {
      dirs.add(d);
      entries.push({ path: d, type: 'dir', mode: 0o755 });
    }
    entries.push({ path, type: 'file', mode: f?.Mode ?? 0o444, uid: num(f?.UID), gid: num(f?.GID), data });
  };
  let inSecretsDir = false;
  let n = 0;
  for (const ref of secrets) {
    const s = deps?.secret?.(ref.SecretID);
    if (!s) throw new ExecutorError('not_found', `secret ${ref.SecretName} (${ref.SecretID}) not found`);
    const data = Buffer.from(s.Spec.Data ?? '', 'base64');
    const name = ref.File?.Name ?? ref.SecretName;
    if (name.startsWith('/') && !name.startsWith(`${SECRETS_DIR}/`)) {
      const file = String(n++);
      addFile('files', file, data, ref.File);
      binds.push(`${dir}/files/${file}:${name}:ro`);
    } else {
      addFile('secrets', safeRel(name.replace(`${SECRETS_DIR}/`, '')), data, ref.File);
      inSecretsDir = true;
    }
  }
  for (const ref of configs) {
    const c = deps?.config?.(ref.ConfigID);
    if (!c) throw new ExecutorError('not_found', `config ${ref.ConfigName} (${ref.ConfigID}) not found`);
    const target = ref.File?.Name ?? ref.ConfigName;
    const file = String(n++);
    addFile('files', file, Buffer.from(c.Spec.Data ?? '', 'base64'), ref.File);
    binds.push(`${dir}/files/${file}:${target.startsWith('/') ? target : `/${target}`}:ro`);
  }
  if (inSecretsDir) binds.unshift(`${dir}/secrets:${SECRETS_DIR}:ro`);
  return { dir, binds, entries };
}

/** Runs `put` with a never-started container of `image` that binds `root` at STAGE. */
async function withStager(docker: Docker, image: string, root: string, owner: string, archive: Buffer) {
  let stager: Docker.Container | undefined;
  try {
    stager = await docker.createContainer({
      Image: image,
      Entrypoint: ['/shoal-stager-never-runs'],
      Cmd: [],
      Labels: { [OWNER_LABEL]: owner, [STAGER_LABEL]: '1' },
      NetworkDisabled: true,
      HostConfig: { Binds: [`${root}:${STAGE}`], NetworkMode: 'none' },
    });
    await stager.putArchive(archive, { path: STAGE });
  } catch (e) {
    throw engineError(e, 'staging secrets and configs');
  } finally {
    await stager?.remove({ force: true }).catch(() => {});
  }
}

/** Step 1: places the planned files on the engine host's tmpfs. */
export async function stageFiles(docker: Docker, image: string, root: string, owner: string, plan: FilePlan) {
  await withStager(docker, image, root, owner, tar(plan.entries));
}

/** Step 3: replaces the task's directory by an empty file (its data leaves memory). */
export async function unstageFiles(
  docker: Docker,
  image: string,
  root: string,
  owner: string,
  taskId: string,
) {
  const entries: TarEntry[] = [
    { path: owner, type: 'dir', mode: 0o700 },
    { path: `${owner}/${taskId}`, type: 'file', mode: 0o600 },
  ];
  await withStager(docker, image, root, owner, tar(entries));
}
