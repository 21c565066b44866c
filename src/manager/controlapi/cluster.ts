/**
 * The swarm-wide settings: the Cluster object named `default` (`docker swarm update`,
 * `GET /swarm`). The whole SwarmSpec is replaced at a version, as Docker's update does: the
 * client sends the complete spec, zero values fall back to defaults. An empty name means
 * `default`; any other is refused (`invalid Name "x": swarm spec must be named "default"`).
 * Join tokens and the unlock key live outside the spec: `rotate*` flags replace them, and
 * turning Spec.EncryptionConfig.AutoLockManagers on or off creates or clears the unlock
 * key, in the same transaction (every manager then rewraps its data key accordingly).
 * A changed CAConfig.ForceRotate (or signing certificate) starts a root rotation
 * (ca-rotation.ts); the leader's RootRotationReconciler finishes it.
 */
import { type Cluster, DEFAULT_CLUSTER_NAME, type SwarmSpec } from '../../api/cluster.ts';
import { validateSwarmSpec } from '../../api/validate/index.ts';
import { generateJoinToken } from '../../ca/token.ts';
import { generateUnlockKey } from '../../crypt/unlockkey.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import { planClusterRootCa, sameRootCa, withoutSigningMaterial } from './ca-rotation.ts';
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

export interface ClusterUpdateFlags {
  rotateWorkerToken?: boolean;
  rotateManagerToken?: boolean;
  rotateManagerUnlockKey?: boolean;
}

export async function updateCluster(
  ctx: ControlContext,
  version: number,
  raw: unknown,
  flags: ClusterUpdateFlags = {},
): Promise<Stored<Cluster>> {
  checkedVersion(version);
  throwProblems(validateSwarmSpec(raw, { operation: 'update' }));
  const given = (raw ?? {}) as SwarmSpec;
  const asked: SwarmSpec = { ...given, Name: DEFAULT_CLUSTER_NAME, Labels: { ...(given.Labels ?? {}) } };
  const before = getCluster(ctx);
  const rootCA = await planClusterRootCa(ctx, before, asked);
  const spec = withoutSigningMaterial(asked);
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const cur = current(tx);
      const next: Partial<Cluster> = { Spec: spec, Version: { Index: version } };
      if (rootCA && sameRootCa(cur.RootCA, before.RootCA)) {
        next.RootCA = rootCA;
        ctx.log.info({ forceRotate: rootCA.LastForcedRotation }, 'root CA rotation started');
      }
      const root = cur.RootCA?.CACert;
      if (root && cur.JoinTokens && (flags.rotateWorkerToken || flags.rotateManagerToken)) {
        next.JoinTokens = {
          Worker: flags.rotateWorkerToken ? generateJoinToken(root) : cur.JoinTokens.Worker,
          Manager: flags.rotateManagerToken ? generateJoinToken(root) : cur.JoinTokens.Manager,
        };
      }
      const autolock = spec.EncryptionConfig?.AutoLockManagers === true;
      if (!autolock) next.UnlockKey = undefined;
      else if (!cur.UnlockKey || flags.rotateManagerUnlockKey) next.UnlockKey = generateUnlockKey();
      tx.clusters.update(Object.assign({}, cur, next));
    }),
  );
  ctx.log.info({ version }, 'swarm spec updated');
  return getCluster(ctx);
}
