/**
 * Reading tasks: `GET /tasks/{id}` and `GET /tasks` (`docker service ps`, `docker node
 * ps`, and the CLI's progress display, which polls with the hidden `_up-to-date` filter).
 *
 *   get      full id, then the full task name (`web.1.<id>`), then a unique id prefix
 *   filters  service / node: references resolved first (moby's transform: an unknown one
 *            is `service x not found`), then matched exactly · name, id: prefix (the name
 *            is swarmkit's `service.slot.id`) · label: the service's labels as recorded on
 *            the task · desired-state: a state name (`Invalid desired-state filter: 'x'`)
 *            · _up-to-date: the task was made from its service's current spec · runtime
 *
 * The candidate set comes from an index (service, node, desired state) when a filter
 * names one, so `docker service ps web` reads that service's tasks, not 100,000.
 */
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { isTaskState, type TaskState } from '../../api/task-state.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import { type ControlContext, resolve, sameJson } from './context.ts';
import { daemonError } from './errors.ts';
import { type FilterInput, Filters } from './filters.ts';
import { runtimeOf } from './service-read.ts';

const ACCEPTED = [
  'name',
  'id',
  'label',
  'service',
  'node',
  'desired-state',
  '_up-to-date',
  'runtime',
] as const;

/** swarmkit's naming.Task: the task's own name, or `<service>.<slot or node>.<id>`. */
export function fullTaskName(t: Stored<Task>): string {
  if (t.Name) return t.Name;
  return `${t.ServiceAnnotations?.Name ?? ''}.${t.Slot ? t.Slot : (t.NodeID ?? '')}.${t.ID}`;
}

/**
 * swarmkit's "not dirty" test, as far as the control API needs it: made from the current
 * spec version, or with a task spec equal to the service's template.
 */
export function isTaskUpToDate(svc: Stored<Service>, t: Stored<Task>): boolean {
  if (
    t.SpecVersion !== undefined &&
    svc.SpecVersion !== undefined &&
    t.SpecVersion.Index === svc.SpecVersion.Index
  )
    return true;
  return sameJson(svc.Spec.TaskTemplate, t.Spec);
}

export function getTask(ctx: ControlContext, ref: string): Stored<Task> {
  return ctx.store.view((tx) => {
    const byId = tx.tasks.get(ref);
    if (byId !== undefined) return byId;
    const dot = ref.lastIndexOf('.');
    if (dot >= 0) {
      const named = tx.tasks.get(ref.slice(dot + 1));
      if (named !== undefined && fullTaskName(named) === ref) return named;
    }
    return resolve(tx.tasks, ref);
  });
}

function desiredStates(f: Filters): TaskState[] {
  const out: TaskState[] = [];
  for (const s of f.get('desired-state')) {
    const state = s.toLowerCase();
    if (isTaskState(state)) out.push(state);
    else if (s !== '') throw daemonError('invalid_argument', `Invalid desired-state filter: '${s}'`, 500);
  }
  return out;
}

function candidates(tx: ReadTx, services: string[], nodes: string[], desired: TaskState[]): Stored<Task>[] {
  if (services.length > 0) return services.flatMap((id) => tx.tasks.byService(id));
  if (nodes.length > 0) return nodes.flatMap((id) => tx.tasks.byNode(id));
  if (desired.length > 0) return desired.flatMap((s) => tx.tasks.byDesiredState(s));
  return tx.tasks.all();
}

export function listTasks(ctx: ControlContext, opts: { filters?: FilterInput } = {}): Stored<Task>[] {
  const f = Filters.parse(opts.filters).validate(ACCEPTED);
  const desired = desiredStates(f);
  const upToDate = f.get('_up-to-date').length > 0;
  return ctx.store.view((tx) => {
    const services = [...new Set(f.get('service').map((ref) => resolve(tx.services, ref).ID))];
    const nodes = [...new Set(f.get('node').map((ref) => resolve(tx.nodes, ref).ID))];
    const out: Stored<Task>[] = [];
    for (const t of candidates(tx, services, nodes, desired)) {
      if (services.length > 0 && !services.includes(t.ServiceID)) continue;
      if (nodes.length > 0 && !nodes.includes(t.NodeID ?? '')) continue;
      if (desired.length > 0 && !desired.includes(t.DesiredState)) continue;
      if (!f.prefix('name', fullTaskName(t)) || !f.prefix('id', t.ID)) continue;
      if (!f.labels('label', t.ServiceAnnotations?.Labels) || !f.exact('runtime', runtimeOf(t.Spec)))
        continue;
      if (upToDate) {
        const svc = tx.services.get(t.ServiceID);
        if (svc === undefined || !isTaskUpToDate(svc, t)) continue;
      }
      out.push(t);
    }
    return out.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  });
}
