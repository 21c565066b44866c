/**
 * Secrets and configs as files. A container sees its secrets at /run/secrets/<name> on a
 * tmpfs and its configs at their target paths; a host process has no mount namespace, so
 * it gets two folders instead and their paths in SHOAL_SECRETS_DIR / SHOAL_CONFIGS_DIR:
 *
 *   secrets -> <secretsRoot>/<taskId>/<File.Name>   (a tmpfs: no plain text on disk)
 *   configs -> <taskDir>/configs/<File.Name>        (an absolute target keeps its path
 *                                                    below the folder: /etc/app.conf ->
 *                                                    configs/etc/app.conf)
 *
 * Each file gets its reference's Mode (default 0444, as Docker); its UID/GID only when the
 * executor runs as root (otherwise it cannot give files away, and the process runs as the
 * executor's user anyway). Folders are 0700. A name that would leave its folder (`..`)
 * rejects the task.
 */
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { ConfigReference, SecretReference } from '../../api/task-spec.ts';
import { ExecutorError } from '../errors.ts';
import type { ControllerDeps } from '../executor.ts';

export interface FileTarget {
  name: string;
  data: Uint8Array;
  mode: number;
  uid?: number;
  gid?: number;
}

/** `name` as a path inside `dir`, or an error when it would leave it. */
export function inside(dir: string, name: string): string {
  const rel = normalize(name.replace(/^\/+/, ''));
  if (rel === '.' || rel === '' || rel.startsWith('..')) {
    throw new ExecutorError('invalid_argument', `invalid file target: ${name}`);
  }
  return join(dir, rel);
}

const ids = (f: { UID: string; GID: string } | undefined): { uid?: number; gid?: number } => {
  const out: { uid?: number; gid?: number } = {};
  if (f?.UID && /^\d+$/.test(f.UID)) out.uid = Number(f.UID);
  if (f?.GID && /^\d+$/.test(f.GID)) out.gid = Number(f.GID);
  return out;
};

export function secretFiles(
  refs: readonly SecretReference[],
  deps: ControllerDeps | undefined,
): FileTarget[] {
  const out: FileTarget[] = [];
  for (const r of refs) {
    if (!r.File) continue; // a secret without a file target is for runtimes (not used here)
    const s = deps?.secret?.(r.SecretID);
    if (!s) throw new ExecutorError('not_found', `secret ${r.SecretName} (${r.SecretID}) not found`);
    const data = Buffer.from(s.Spec.Data ?? '', 'base64');
    out.push({ name: r.File.Name || r.SecretName, data, mode: r.File.Mode || 0o444, ...ids(r.File) });
  }
  return out;
}

export function configFiles(
  refs: readonly ConfigReference[],
  deps: ControllerDeps | undefined,
): FileTarget[] {
  const out: FileTarget[] = [];
  for (const r of refs) {
    if (!r.File) continue; // a runtime config (credential spec): nothing to write
    const c = deps?.config?.(r.ConfigID);
    if (!c) throw new ExecutorError('not_found', `config ${r.ConfigName} (${r.ConfigID}) not found`);
    const data = Buffer.from(c.Spec.Data ?? '', 'base64');
    out.push({ name: r.File.Name || r.ConfigName, data, mode: r.File.Mode || 0o444, ...ids(r.File) });
  }
  return out;
}

/** Writes `files` into `dir` (made 0700) with their modes, and owners when root. */
export async function writeFiles(dir: string, files: readonly FileTarget[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const root = process.getuid?.() === 0;
  for (const f of files) {
    const path = inside(dir, f.name);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // Written owner-only first; the final mode (which the umask must not narrow) after.
    await writeFile(path, f.data, { mode: 0o600 });
    if (root && (f.uid !== undefined || f.gid !== undefined)) await chown(path, f.uid ?? 0, f.gid ?? 0);
    await chmod(path, f.mode & 0o7777);
  }
}
