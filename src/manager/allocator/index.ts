/**
 * src/manager/allocator: gives network resources. In a task's path it sits after the
 * orchestrators (task NEW) and before the scheduler (task PENDING): networks get subnets,
 * gateways and VXLAN ids from the cluster's address pools; services get their published
 * ports (ingress mode: swarm-wide, 30000-32767 when not given) and one virtual IP per
 * network they attach to; tasks get one address per network; then the task moves to
 * PENDING. Leader-only: `new Allocator({store, clock, logger}).start()` on becoming
 * leader, `stop()` on losing it; a new leader's allocator rebuilds from the store.
 * `ensureIngressNetwork` is what `swarm init` calls. See docs/design/allocator.md.
 */
export {
  type AllocationProblem,
  Allocator,
  type AllocatorOptions,
  type AllocatorStats,
} from './allocator.ts';
export { ensureIngressNetwork, findIngressNetwork, INGRESS_NAME, newIngressNetwork } from './ingress.ts';
export { msg as allocatorMessages, PENDING_MESSAGE, VXLAN_OPTION } from './messages.ts';
export { DEFAULT_ADDR_POOL, DEFAULT_SUBNET_SIZE, isNetworkAllocated } from './networks.ts';
export { DYNAMIC_PORT_END, DYNAMIC_PORT_START } from './ports.ts';
