/**
 * src/manager/controlapi: the manager's control API. It sits at the very start of a task's
 * path: `docker service create` reaches the HTTP layer, which calls ControlApi; it
 * validates the spec (src/api/validate) and writes the Service to the store, where the
 * orchestrators see it and make tasks. It also serves nodes, networks, secrets, configs,
 * the swarm spec and task listings, with Docker's references (id, name, id prefix),
 * filters, optimistic concurrency (`?version=`) and error words. It writes only the fields
 * it owns and talks to nothing but the store. See docs/design/controlapi.md.
 */
export { type ClusterUpdateFlags, getCluster, updateCluster } from './cluster.ts';
export type { ControlContext, RaftMembership } from './context.ts';
export { type Control, ControlApi, type ControlApiOptions, type ListOptions } from './control-api.ts';
export {
  ControlApiError,
  daemonError,
  fromStoreError,
  type RpcCode,
  rpcError,
} from './errors.ts';
export { type FilterInput, Filters } from './filters.ts';
export { serviceNameGenerator } from './names.ts';
export type { ServiceListItem, ServiceListOptions, ServiceStatus } from './service-read.ts';
export { serviceStatus } from './service-read.ts';
export type { ServiceUpdateOptions } from './service-write.ts';
export { fullTaskName, isTaskUpToDate } from './tasks.ts';
