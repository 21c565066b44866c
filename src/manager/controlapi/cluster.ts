/**
 * The swarm-wide settings: the Cluster object named `default` (`docker swarm update`,
 * `GET /swarm`). The whole SwarmSpec is replaced at a version, as Docker's update does: the
 * client sends the complete spec, zero values fall back to defaults. An empty name means
 * `default`; any other is refused (`invalid Name "x": swarm spec must be named "default"`).
 * Join tokens, the root CA and its rotation live outside the spec (the CA layer's).
 */
import { type Cluster, DEFAULT_CLUSTER_NAME, type SwarmSpec } from '../../api/cluster.ts';
import { validateSwarmSpec } from '../../api/validate/index.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import { type ControlContext, checkedVersion } from './context.ts';
import { daemonError, storeWrite, throwProblems } from './errors.ts';

/** moby's errNoSwarm, answered with 503 as for any node that is not an active manager. */
function current(tx: ReadTx): Stored<Cluster> {
  const c = tx.clusters.current();
  if (c === undefined) throw daemonError('unavailable', 'This node is not part of a swarm', 503);
  return c;
}

export function getCluster(ctx: ControlContext): Stored<Cluster> {
  return ctx.store.view(current);
}

export async function updateCluster(
  ctx: ControlContext,
  version: number,
  raw: unknown,
): Promise<Stored<Cluster>> {
  checkedVersion(version);
  throwProblems(validateSwarmSpec(raw, { operation: 'update' }));
  const given = (raw ?? {}) as SwarmSpec;
  const spec: SwarmSpec = { ...given, Name: DEFAULT_CLUSTER_NAME, Labels: { ...(given.Labels ?? {}) } };
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const cur = current(tx);
      tx.clusters.update(Object.assign({}, cur, { Spec: spec, Version: { Index: version } }));
    }),
  );
  ctx.log.info({ version }, 'swarm spec updated');
  return getCluster(ctx);
}
