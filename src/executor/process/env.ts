/**
 * A task's environment. A container starts from its image's environment; a host process
 * starts from a small part of the daemon's (PATH, LANG, TZ and the like: what programs
 * need to run at all), then gets the spec's Env, then the SHOAL_* variables that say where
 * it is and which ports it was given. HOME is its working directory.
 */
import type { Task } from '../../api/task.ts';
import type { PortMapping } from './ports.ts';
import { portEnv } from './ports.ts';

const INHERITED = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_OPTIONS'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvContext {
  nodeId: string;
  hostname: string;
  workDir: string;
  taskDir: string;
  secretsDir?: string;
  configsDir?: string;
  ports: readonly PortMapping[];
  /** The node's own address (SHOAL_NODE_ADDR). */
  nodeAddress?: string;
  /** The daemon's environment (default process.env). */
  base?: NodeJS.ProcessEnv;
}

/** KEY=VALUE entries; a later entry for the same key wins (as in Docker). */
export function taskEnv(task: Task, ctx: EnvContext): string[] {
  const base = ctx.base ?? process.env;
  const out = new Map<string, string>();
  const put = (kv: string): void => {
    const i = kv.indexOf('=');
    if (i <= 0) return; // Docker passes a bare KEY from its own env; a host process has it already
    out.set(kv.slice(0, i), kv.slice(i + 1));
  };
  for (const k of INHERITED) {
    const v = base[k];
    if (v !== undefined) out.set(k, v);
  }
  if (!out.has('PATH')) out.set('PATH', DEFAULT_PATH);
  out.set('HOME', ctx.workDir);
  out.set('HOSTNAME', ctx.hostname);
  for (const kv of task.Spec.ContainerSpec?.Env ?? []) put(kv);
  const shoal: Record<string, string | undefined> = {
    SHOAL_TASK_ID: task.ID,
    SHOAL_TASK_NAME:
      task.Name ??
      `${task.ServiceAnnotations?.Name ?? task.ServiceID}.${task.Slot ? task.Slot : (task.NodeID ?? ctx.nodeId)}`,
    SHOAL_TASK_SLOT: task.Slot ? String(task.Slot) : undefined,
    SHOAL_SERVICE_ID: task.ServiceID,
    SHOAL_SERVICE_NAME: task.ServiceAnnotations?.Name,
    SHOAL_NODE_ID: task.NodeID ?? ctx.nodeId,
    SHOAL_NODE_HOSTNAME: ctx.hostname,
    SHOAL_NODE_ADDR: ctx.nodeAddress,
    SHOAL_TASK_DIR: ctx.taskDir,
    SHOAL_SECRETS_DIR: ctx.secretsDir,
    SHOAL_CONFIGS_DIR: ctx.configsDir,
  };
  for (const [k, v] of Object.entries(shoal)) if (v !== undefined && v !== '') out.set(k, v);
  for (const kv of portEnv(ctx.ports)) put(kv);
  return [...out].map(([k, v]) => `${k}=${v}`);
}

/** The entries as an object for child_process. */
export function envObject(env: readonly string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i > 0) o[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return o;
}
