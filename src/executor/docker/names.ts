/**
 * How a task's container is named and labelled on the engine, and the placeholders of
 * swarm's templates ({{.Service.Name}}, {{.Task.Slot}}, {{.Node.Hostname}}, …).
 *
 * Names are Docker's: `<service>.<slot>.<task id>` (global services: the node id instead
 * of the slot). Labels are the `com.docker.swarm.*` set Docker puts on task containers,
 * plus OWNER_LABEL naming the Shoal node that owns the container: several Shoal daemons
 * may share one engine, and each only lists, adopts and removes its own containers.
 */
import type { Labels } from '../../api/meta.ts';
import type { Task } from '../../api/task.ts';
import { ExecutorError } from '../errors.ts';

export const LABEL = {
  serviceId: 'com.docker.swarm.service.id',
  serviceName: 'com.docker.swarm.service.name',
  taskId: 'com.docker.swarm.task.id',
  taskName: 'com.docker.swarm.task.name',
  nodeId: 'com.docker.swarm.node.id',
} as const;

/** The Shoal node whose executor made the container (the only one that touches it). */
export const OWNER_LABEL = 'io.shoal.node';

export function serviceName(task: Pick<Task, 'ServiceAnnotations' | 'ServiceID'>): string {
  return task.ServiceAnnotations?.Name || task.ServiceID;
}

/** `<service>.<slot>.<task id>`, or `<service>.<node id>.<task id>` for a global task. */
export function containerName(
  task: Pick<Task, 'ID' | 'Slot' | 'NodeID' | 'ServiceID' | 'ServiceAnnotations'>,
): string {
  const middle = task.Slot ? String(task.Slot) : task.NodeID || 'node';
  return sanitize(`${serviceName(task)}.${middle}.${task.ID}`);
}

/** Docker names match [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
function sanitize(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_.-]/g, '_');
  return /^[a-zA-Z0-9]/.test(s) ? s : `x${s}`;
}

/** The labels of a task's container: the spec's own, then Docker's swarm set and ours. */
export function containerLabels(task: Task, ownerNodeId: string, extra: Labels = {}): Labels {
  return {
    ...extra,
    [LABEL.serviceId]: task.ServiceID,
    [LABEL.serviceName]: serviceName(task),
    [LABEL.taskId]: task.ID,
    [LABEL.taskName]: containerName(task),
    [LABEL.nodeId]: task.NodeID || ownerNodeId,
    [OWNER_LABEL]: ownerNodeId,
  };
}

/** The filter finding this node's containers (all of them, or one task's). */
export function ownerFilter(ownerNodeId: string, taskId?: string): { label: string[] } {
  const label = [`${OWNER_LABEL}=${ownerNodeId}`];
  if (taskId !== undefined) label.push(`${LABEL.taskId}=${taskId}`);
  return { label };
}

/** What swarm's templates may name. */
export interface TemplateContext {
  task: Task;
  node: { id: string; hostname: string; os: string; architecture: string };
}

/** Expands `{{.Service.Name}}`-style placeholders; an unknown one is an error, as in Docker. */
export function expandTemplate(text: string, ctx: TemplateContext): string {
  if (!text.includes('{{')) return text;
  const { task, node } = ctx;
  const values: Record<string, string> = {
    'Service.ID': task.ServiceID,
    'Service.Name': serviceName(task),
    'Node.ID': node.id,
    'Node.Hostname': node.hostname,
    'Node.Platform.OS': node.os,
    'Node.Platform.Architecture': node.architecture,
    'Task.ID': task.ID,
    'Task.Name': containerName(task),
    'Task.Slot': task.Slot ? String(task.Slot) : task.NodeID || '',
  };
  return text.replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined)
      throw new ExecutorError('invalid_argument', `template: unknown placeholder ${whole}`);
    return v;
  });
}
