/**
 * src/network/mesh: the routing mesh. Every node answers on every ingress-published port
 * and forwards each connection (each UDP flow) to a RUNNING task of the service, on this
 * node or another. It is the last step of a task's path: once the agent reports RUNNING
 * and the executor where the task's port is reachable, the mesh on every node adds it.
 *
 *   store ─(mesh-store.ts: MeshFeed)─► endpoints.ts (pure table) ─► MeshState
 *     ─► MeshDataPlane.apply:  userspace/ (portable proxy, default)  |  nft/ (kernel)
 *
 * Design: docs/design/mesh.md. Contract for both data paths: dataplane-suite.ts.
 */
export type { DataPlaneEvents, DataPlaneKind, MeshDataPlane } from './dataplane.ts';
export {
  BALANCE_LABEL,
  computeMeshState,
  type EndpointSource,
  type MeshOptions,
  PROXY_PROTOCOL_LABEL,
  servicePorts,
} from './endpoints.ts';
export { MeshFeed, type MeshFeedOptions, type MeshStore } from './mesh-store.ts';
export { detectNft, type NftSupport } from './nft/detect.ts';
export { NftDataPlane, type NftOptions } from './nft/nft-dataplane.ts';
export { attachmentSource, EndpointReports, firstSource, type ReportedPort } from './reports.ts';
export { type DataPlanePreference, type SelectOptions, selectDataPlane } from './select.ts';
export * from './types.ts';
export { encodeProxyV2 } from './userspace/proxy-v2.ts';
export { UserspaceDataPlane, type UserspaceOptions } from './userspace/userspace-dataplane.ts';
