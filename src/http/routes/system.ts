/**
 * /_ping (HEAD and GET), /version and /info: what every docker command asks first.
 *
 * _ping answers `OK` with the headers the CLI reads: Api-Version (on every answer),
 * Swarm (inactive | pending | error | locked | active/manager | active/worker), Builder-
 * Version (1: no BuildKit here), no caching. /info's Swarm section is swarm.info(), plus
 * on a manager the node and manager counts and the cluster, as moby's Cluster.Info: a
 * failure there is reported in Swarm.Error instead of failing the request.
 */
import type { SwarmLocalInfo } from '../backend.ts';
import { json, type Route, text } from '../context.ts';
import { infoToEngine, type ManagerView, swarmInfoToEngine, versionToEngine } from '../mappers/system.ts';

export function swarmHeader(info: SwarmLocalInfo): string {
  if (info.LocalNodeState !== 'active') return info.LocalNodeState;
  return info.ControlAvailable || info.Role === 'manager' ? 'active/manager' : 'active/worker';
}

export const systemRoutes: Route[] = [
  ...(['GET', 'HEAD'] as const).map(
    (method): Route => ({
      method,
      path: '/_ping',
      handler: async (ctx) => {
        const res = ctx.res;
        res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate');
        res.setHeader('Pragma', 'no-cache');
        res.setHeader('Builder-Version', '1');
        res.setHeader('Swarm', swarmHeader(ctx.backend.swarm.info()));
        return method === 'HEAD' ? text('') : text('OK');
      },
    }),
  ),
  {
    method: 'GET',
    path: '/version',
    handler: async (ctx) => json(versionToEngine(ctx.backend.version())),
  },
  {
    method: 'GET',
    path: '/info',
    handler: async (ctx) => {
      const { backend } = ctx;
      const local = { ...backend.swarm.info() };
      const control = backend.control();
      let manager: ManagerView | undefined;
      if (control !== undefined) {
        try {
          const nodes = await control.listNodes();
          // As GET /swarm shows it: with TLSInfo and RootRotationInProgress.
          const cluster = await backend.swarm.inspect();
          const managers = nodes.filter((n) => n.ManagerStatus !== undefined).length;
          manager = { nodes: nodes.length, managers, cluster };
        } catch (e) {
          local.Error = e instanceof Error ? e.message : String(e);
        }
      }
      const swarm = swarmInfoToEngine(local, manager);
      const engine = await backend.systemInfo();
      return json(infoToEngine(engine, backend.version(), swarm, manager, ctx.clock.wallNow()));
    },
  },
];
