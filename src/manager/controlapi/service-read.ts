/**
 * Reading services: `GET /services/{id}` (optionally `insertDefaults`) and `GET /services`
 * with Docker's filters and, with `status=true`, the task counts `docker service ls` shows
 * as REPLICAS (swarmkit's ListServiceStatuses):
 *
 *   desired    replicated: Replicas · replicated job: MaxConcurrent · global (job or not):
 *              tasks desired running, plus job tasks desired complete and not yet complete
 *   running    tasks observed running
 *   completed  jobs only: tasks of the current iteration observed complete
 *   (a job counts only the tasks of its current JobIteration)
 *
 * Filters (moby daemon/cluster/services.go + swarmkit ListServices): name and id match by
 * prefix, label by `k`/`k=v` (all must hold), mode exactly (replicated, global,
 * replicated-job, global-job), runtime exactly (always `container` here).
 */
import type { Service } from '../../api/service.ts';
import { serviceMode } from '../../api/service.ts';
import type { TaskSpec } from '../../api/task-spec.ts';
import { withServiceDefaults } from '../../api/validate/index.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import { type ControlContext, resolve } from './context.ts';
import { type FilterInput, Filters } from './filters.ts';

export interface ServiceStatus {
  RunningTasks: number;
  DesiredTasks: number;
  CompletedTasks: number;
}

/** A listed service; `ServiceStatus` only when asked for. */
export type ServiceListItem = Stored<Service> & { readonly ServiceStatus?: ServiceStatus };

export interface ServiceListOptions {
  readonly filters?: FilterInput;
  readonly status?: boolean;
}

const ACCEPTED = ['name', 'id', 'label', 'mode', 'runtime'] as const;

/** swarmkit's naming.Runtime for the runtimes Shoal has. */
export function runtimeOf(t: Stored<TaskSpec>): string {
  return t.Runtime || (t.ContainerSpec ? 'container' : '');
}

export function getService(
  ctx: ControlContext,
  ref: string,
  opts: { insertDefaults?: boolean } = {},
): Stored<Service> {
  const svc = ctx.store.view((tx) => resolve(tx.services, ref));
  if (!opts.insertDefaults) return svc;
  return { ...svc, Spec: withServiceDefaults(svc.Spec as Service['Spec']) } as Stored<Service>;
}

export function serviceStatus(tx: ReadTx, svc: Stored<Service>): ServiceStatus {
  const status: ServiceStatus = { RunningTasks: 0, DesiredTasks: 0, CompletedTasks: 0 };
  const mode = serviceMode(svc.Spec);
  const global = mode === 'global' || mode === 'global-job';
  if (mode === 'replicated') status.DesiredTasks = svc.Spec.Mode?.Replicated?.Replicas ?? 1;
  if (mode === 'replicated-job') status.DesiredTasks = svc.Spec.Mode?.ReplicatedJob?.MaxConcurrent ?? 1;
  const iteration = svc.JobStatus?.JobIteration.Index;
  for (const t of tx.tasks.byService(svc.ID)) {
    if (iteration !== undefined) {
      if (t.JobIteration?.Index !== iteration) continue;
      if (t.Status.State === 'complete') status.CompletedTasks++;
    }
    if (t.Status.State === 'running') status.RunningTasks++;
    if (global && t.DesiredState === 'running') status.DesiredTasks++;
    if (global && t.DesiredState === 'complete' && t.Status.State !== 'complete') status.DesiredTasks++;
  }
  return status;
}

export function listServices(ctx: ControlContext, opts: ServiceListOptions = {}): ServiceListItem[] {
  const f = Filters.parse(opts.filters).validate(ACCEPTED);
  return ctx.store.view((tx) => {
    const out: ServiceListItem[] = [];
    for (const svc of tx.services.all()) {
      if (!f.prefix('name', svc.Spec.Name) || !f.prefix('id', svc.ID)) continue;
      if (!f.labels('label', svc.Spec.Labels) || !f.exact('mode', serviceMode(svc.Spec))) continue;
      if (!f.exact('runtime', runtimeOf(svc.Spec.TaskTemplate))) continue;
      out.push(opts.status ? { ...svc, ServiceStatus: serviceStatus(tx, svc) } : svc);
    }
    return out.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  });
}
