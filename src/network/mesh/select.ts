/**
 * Which data path a node uses: nftables when asked for (or 'auto') and available (root,
 * Linux, a working nft), else the user-space proxy. The reason for falling back is
 * returned so the daemon can log it.
 */
import type { DataPlaneEvents, MeshDataPlane } from './dataplane.ts';
import { detectNft } from './nft/detect.ts';
import { NftDataPlane, type NftOptions } from './nft/nft-dataplane.ts';
import { UserspaceDataPlane, type UserspaceOptions } from './userspace/userspace-dataplane.ts';

export type DataPlanePreference = 'auto' | 'userspace' | 'nft';

export interface SelectOptions extends DataPlaneEvents {
  prefer?: DataPlanePreference;
  userspace?: UserspaceOptions;
  nft?: NftOptions;
}

export async function selectDataPlane(
  o: SelectOptions = {},
): Promise<{ dataplane: MeshDataPlane; fallback?: string }> {
  const events: DataPlaneEvents = { onPortProblem: o.onPortProblem, onPortRecovered: o.onPortRecovered };
  const prefer = o.prefer ?? 'userspace';
  if (prefer !== 'userspace') {
    const support = await detectNft({ netns: o.nft?.netns, nft: o.nft?.nft });
    if (support.ok) return { dataplane: new NftDataPlane({ ...events, ...o.nft }) };
    return { dataplane: new UserspaceDataPlane({ ...events, ...o.userspace }), fallback: support.reason };
  }
  return { dataplane: new UserspaceDataPlane({ ...events, ...o.userspace }) };
}
