/**
 * /tasks: list (filters, including the CLI's hidden `_up-to-date`), inspect, logs. A task's
 * network attachments carry the whole swarm network, looked up once per request.
 */
import type { Network } from '../../api/network.ts';
import type { Control } from '../../manager/controlapi/index.ts';
import type { Stored } from '../../store/index.ts';
import { json, type Route } from '../context.ts';
import { taskToEngine } from '../mappers/service.ts';
import { streamLogs } from './logs.ts';
import { filtersParam } from './util.ts';

async function networkIndex(control: Control): Promise<Map<string, Stored<Network>>> {
  return new Map((await control.listNetworks()).map((n) => [n.ID, n]));
}

export const taskRoutes: Route[] = [
  {
    method: 'GET',
    path: '/tasks',
    handler: async (ctx) => {
      const control = ctx.control();
      const tasks = await control.listTasks({ filters: filtersParam(ctx) });
      const networks = tasks.some((t) => t.NetworksAttachments?.length)
        ? await networkIndex(control)
        : new Map();
      return json(tasks.map((t) => taskToEngine(t, (id) => networks.get(id))));
    },
  },
  {
    method: 'GET',
    path: '/tasks/:id',
    handler: async (ctx) => {
      const control = ctx.control();
      const task = await control.getTask(ctx.param('id'));
      const networks = task.NetworksAttachments?.length ? await networkIndex(control) : new Map();
      return json(taskToEngine(task, (id) => networks.get(id)));
    },
  },
  {
    method: 'GET',
    path: '/tasks/:id/logs',
    handler: (ctx) => streamLogs(ctx, { services: [], tasks: [ctx.param('id')] }),
  },
];
