/**
 * /swarm: inspect, init, join, leave, update, unlock, unlockkey (moby router/swarm
 * cluster_routes.go). The SwarmBackend does the work; this file decodes and checks:
 *
 *   init      InitRequest; before API 1.39 DefaultAddrPool/SubnetSize are ignored, before
 *             1.40 DataPathPort (as moby) ─► 200 with the node id as a JSON string
 *   update    SwarmSpec, ?version= (`invalid swarm version '<v>': ...`), the rotate flags
 *             (strconv.ParseBool: `invalid value for rotateWorkerToken: x`) ─► 200
 *   GET /swarm, update, unlockkey need an active manager (503 in Docker's words first)
 */
import type { InitRequest, JoinRequest, SwarmUpdateFlags } from '../backend.ts';
import { empty, json, type Route, type RouteContext } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import { BODY_SHAPES } from '../keys.ts';
import { clusterToEngine } from '../mappers/system.ts';
import { boolValue, parseGoBool, versionParam } from '../request.ts';
import { versionAtLeast } from '../router.ts';
import { decodeStruct } from './util.ts';

/** moby words these without strconv's own text. */
function rotateFlag(ctx: RouteContext, key: keyof SwarmUpdateFlags): boolean {
  const v = ctx.query.get(key);
  if (v === null || v === '') return false;
  const b = parseGoBool(v);
  if (b === undefined) throw invalidParameter(`invalid value for ${key}: ${v}`);
  return b;
}

export const swarmRoutes: Route[] = [
  {
    method: 'GET',
    path: '/swarm',
    handler: async (ctx) => {
      ctx.control();
      return json(clusterToEngine(await ctx.backend.swarm.inspect(), true));
    },
  },
  {
    method: 'POST',
    path: '/swarm/init',
    handler: async (ctx) => {
      const req = (await decodeStruct(ctx, BODY_SHAPES.init)) as InitRequest;
      if (!versionAtLeast(ctx.apiVersion, '1.39')) {
        delete req.DefaultAddrPool;
        delete req.SubnetSize;
      }
      if (!versionAtLeast(ctx.apiVersion, '1.40')) delete req.DataPathPort;
      return json(await ctx.backend.swarm.init(req));
    },
  },
  {
    method: 'POST',
    path: '/swarm/join',
    handler: async (ctx) => {
      const req = (await decodeStruct(ctx, BODY_SHAPES.join)) as JoinRequest;
      await ctx.backend.swarm.join(req);
      return empty();
    },
  },
  {
    method: 'POST',
    path: '/swarm/leave',
    handler: async (ctx) => {
      await ctx.backend.swarm.leave(boolValue(ctx.query, 'force'));
      return empty();
    },
  },
  {
    method: 'POST',
    path: '/swarm/update',
    handler: async (ctx) => {
      const spec = (await ctx.body(BODY_SHAPES.swarm)) ?? {};
      const version = versionParam(ctx.query, 'swarm');
      const flags: SwarmUpdateFlags = {
        rotateWorkerToken: rotateFlag(ctx, 'rotateWorkerToken'),
        rotateManagerToken: rotateFlag(ctx, 'rotateManagerToken'),
        rotateManagerUnlockKey: rotateFlag(ctx, 'rotateManagerUnlockKey'),
      };
      ctx.control();
      await ctx.backend.swarm.update(spec, version, flags);
      return empty();
    },
  },
  {
    method: 'POST',
    path: '/swarm/unlock',
    handler: async (ctx) => {
      const req = await decodeStruct(ctx, BODY_SHAPES.unlock);
      await ctx.backend.swarm.unlock(typeof req.UnlockKey === 'string' ? req.UnlockKey : '');
      return empty();
    },
  },
  {
    method: 'GET',
    path: '/swarm/unlockkey',
    handler: async (ctx) => {
      ctx.control();
      return json({ UnlockKey: await ctx.backend.swarm.unlockKey() });
    },
  },
];
