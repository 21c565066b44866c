/**
 * One interface, two data paths: the portable user-space proxy (userspace/) and the
 * kernel path with nftables (nft/). Both pass dataplane-suite.ts.
 *
 * A data path is declarative: apply(state) makes the node's ports and endpoints look like
 * `state` (ports opened and closed, endpoints added and drained) and resolves when the
 * change is in effect. Calls are serialised; a later state supersedes an earlier one.
 */
import type { MeshState, PortProblem } from './types.ts';

export type DataPlaneKind = 'userspace' | 'nft';

export interface MeshDataPlane {
  readonly kind: DataPlaneKind;
  apply(state: MeshState): Promise<void>;
  /** Published ports that could not be opened, as of the last apply. */
  problems(): readonly PortProblem[];
  /** Stops listening, closes every proxied connection (or removes the kernel table). */
  close(): Promise<void>;
}

export interface DataPlaneEvents {
  /** A port could not be opened (bind failed, nft refused it): called once per failure. */
  onPortProblem?: (p: PortProblem) => void;
  /** A port that had a problem is open now. */
  onPortRecovered?: (p: Pick<PortProblem, 'port' | 'protocol' | 'serviceId'>) => void;
}
