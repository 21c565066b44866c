/**
 * The CA part of `docker swarm update` / `docker swarm ca --rotate` (swarmkit controlapi
 * validateCAConfig): a changed CAConfig.ForceRotate, or a new signing certificate and key,
 * starts a root rotation (src/ca/rotation.ts). Making the new root and its cross-signed
 * intermediate takes key generation, so it happens before the write transaction; the
 * write then applies it only to the RootCA it was planned from.
 *
 * The signing certificate and key never stay in the spec (swarmkit redacts them from
 * every read): they live in RootCA.RootRotation, and GET /swarm never shows a key.
 */
import type { Cluster, SwarmSpec } from '../../api/cluster.ts';
import { planRootCa } from '../../ca/rotation.ts';
import type { Stored } from '../../store/index.ts';
import type { ControlContext } from './context.ts';
import { rpcError } from './errors.ts';

export type PlannedRootCa = Cluster['RootCA'] | undefined;

/** The RootCA the spec asks for; undefined when the current one stays as it is. */
export async function planClusterRootCa(
  ctx: ControlContext,
  cur: Pick<Stored<Cluster>, 'RootCA'>,
  spec: SwarmSpec,
): Promise<PlannedRootCa> {
  if (!cur.RootCA) return undefined;
  const ca = spec.CAConfig ?? {};
  try {
    return await planRootCa(
      cur.RootCA,
      {
        ...(ca.ForceRotate !== undefined && { ForceRotate: ca.ForceRotate }),
        ...(ca.SigningCACert && { SigningCACert: ca.SigningCACert }),
        ...(ca.SigningCAKey && { SigningCAKey: ca.SigningCAKey }),
      },
      { clock: ctx.clock },
    );
  } catch (e) {
    throw rpcError('invalid_argument', 'InvalidArgument', (e as Error).message, e);
  }
}

/** The spec as stored: without the signing certificate and key. */
export function withoutSigningMaterial(spec: SwarmSpec): SwarmSpec {
  if (!spec.CAConfig) return spec;
  const { SigningCACert: _c, SigningCAKey: _k, ...rest } = spec.CAConfig;
  return { ...spec, CAConfig: rest };
}

/** Whether two RootCA values are the same root in the same rotation state. */
export function sameRootCa(a: Stored<Cluster>['RootCA'], b: Stored<Cluster>['RootCA']): boolean {
  return (
    a?.CACert === b?.CACert &&
    a?.RootRotation?.CACert === b?.RootRotation?.CACert &&
    a?.LastForcedRotation === b?.LastForcedRotation
  );
}
