/**
 * /nodes: list (filters), inspect, update (?version=, NodeSpec), remove (?force).
 * Decoding errors come before the manager check, as in moby (body, then version, then
 * the cluster).
 */
import { empty, json, type Route } from '../context.ts';
import { BODY_SHAPES } from '../keys.ts';
import { nodeToEngine } from '../mappers/objects.ts';
import { boolValue, versionParam } from '../request.ts';
import { filtersParam } from './util.ts';

export const nodeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/nodes',
    handler: async (ctx) => {
      const nodes = await ctx.control().listNodes({ filters: filtersParam(ctx) });
      return json(nodes.map(nodeToEngine));
    },
  },
  {
    method: 'GET',
    path: '/nodes/:id',
    handler: async (ctx) => json(nodeToEngine(await ctx.control().getNode(ctx.param('id')))),
  },
  {
    method: 'POST',
    path: '/nodes/:id/update',
    handler: async (ctx) => {
      const spec = await ctx.body(BODY_SHAPES.node);
      const version = versionParam(ctx.query, 'node');
      await ctx.control().updateNode(ctx.param('id'), version, spec ?? {});
      return empty();
    },
  },
  {
    method: 'DELETE',
    path: '/nodes/:id',
    handler: async (ctx) => {
      await ctx.control().removeNode(ctx.param('id'), { force: boolValue(ctx.query, 'force') });
      return empty();
    },
  },
];
