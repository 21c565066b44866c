/**
 * /networks, the swarm-scoped (overlay) ones: list (filters), inspect (?scope), create
 * (Engine CreateRequest -> swarm NetworkSpec; 201 {"Id", "Warning"}), remove (204; a
 * network in use is refused by the control API).
 *
 * Off a manager there are no networks to show (Shoal keeps no node-local ones): the list
 * is empty and an inspect is `network x not found`, as for a daemon without them; a create
 * is refused as Docker refuses an overlay network there (a worker: 403 `Cannot create a
 * multi-host network from a worker node...`; no swarm: the 503 of any swarm request).
 */
import { ShoalError } from '../../base/errors.ts';
import { empty, json, type Route, type RouteContext } from '../context.ts';
import { HttpStatusError, notManagerError } from '../errors.ts';
import { BODY_SHAPES } from '../keys.ts';
import { networkCreateToSpec, networkToEngine } from '../mappers/network.ts';
import { decodeStruct, filtersParam } from './util.ts';

const WORKER_CREATE =
  'Cannot create a multi-host network from a worker node. Please create the network from a manager node.';

function managerForCreate(ctx: RouteContext) {
  const c = ctx.backend.control();
  if (c !== undefined) return c;
  const info = ctx.backend.swarm.info();
  if (info.LocalNodeState === 'active' && info.Role !== 'manager') {
    throw new HttpStatusError('failed_precondition', WORKER_CREATE, 403);
  }
  throw notManagerError(info);
}

export const networkRoutes: Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async (ctx) => {
      const c = ctx.backend.control();
      if (c === undefined) return json([]);
      return json((await c.listNetworks({ filters: filtersParam(ctx) })).map(networkToEngine));
    },
  },
  {
    method: 'GET',
    path: '/networks/:id',
    handler: async (ctx) => {
      const ref = ctx.param('id');
      const scope = ctx.query.get('scope') ?? '';
      const c = ctx.backend.control();
      if (c === undefined || (scope !== '' && scope !== 'swarm')) {
        throw new ShoalError('not_found', `network ${ref} not found`);
      }
      return json(networkToEngine(await c.getNetwork(ref)));
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async (ctx) => {
      const body = await decodeStruct(ctx, BODY_SHAPES.networkCreate);
      const created = await managerForCreate(ctx).createNetwork(networkCreateToSpec(body));
      return json({ Id: created.ID, Warning: '' }, 201);
    },
  },
  {
    method: 'DELETE',
    path: '/networks/:id',
    handler: async (ctx) => {
      await ctx.control().removeNetwork(ctx.param('id'));
      return empty(204);
    },
  },
];
