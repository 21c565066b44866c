/**
 * The allocator's words, in one place. Where Docker has words for a failure they are
 * Docker's: swarmkit's allocator (manager/allocator/network.go, cnmallocator) and
 * libnetwork's IPAM (ipamapi errors), as they appear in a manager's log. Docker leaves the
 * tasks of such a service NEW with nothing on them; Shoal writes the same text to the
 * task's Status.Err, so `docker service ps` shows why (docs/design/allocator.md).
 */

/** Task.Status.Message once the allocator is done (swarmkit's allocatedStatusMessage). */
export const PENDING_MESSAGE = 'pending task scheduling';

/** The overlay driver's option listing a network's VXLAN ids (one per subnet). */
export const VXLAN_OPTION = 'com.docker.network.driver.overlay.vxlanid_list';

export const msg = {
  // ---- networks (cnmallocator.Allocate wraps its IPAM errors this way)
  networkPools: (networkId: string, cause: string) =>
    `failed allocating pools and gateway IP for network ${networkId}: ${cause}`,
  /** libnetwork ipamapi.ErrNoMoreSubnets. */
  noMoreSubnets: 'all predefined address pools have been fully subnetted',
  /** libnetwork ipamapi.ErrPoolOverlap. */
  poolOverlap: 'Pool overlaps with other one on this address space',
  /** libnetwork ipamapi.ErrNoAvailableIPs. */
  noAddresses: 'no available addresses on this pool',
  /** libnetwork ipamapi.ErrIPOutOfRange. */
  outOfRange: 'requested address is out of range',
  /** Shoal allocates IPv4 only. */
  ipv6: (subnet: string) => `IPv6 subnet ${subnet} is not supported by shoal`,
  badSubnet: (subnet: string) => `invalid subnet ${subnet}`,
  subnetTooSmall: (subnet: string) => `subnet ${subnet} is too small: at least a /30 is needed`,
  /** swarmkit's log line for a second ingress network. */
  secondIngress: (name: string, id: string) => `another ingress network is already present: ${name} (${id})`,
  noVxlanIds: 'no VXLAN id available',

  // ---- services (cnmallocator.AllocateService, portallocator)
  /** The controlapi's text (service-context.ts), also used when the allocator meets it. */
  noIngress: 'service needs ingress network, but no ingress network is present',
  networkNotFound: (target: string) => `network ${target} not found`,
  /** swarmkit allocateVIP. */
  noVipAddress: 'could not find an available IP while allocating VIP',
  /** swarmkit's port allocator rewrite (manager/allocator/network/port). */
  dynamicPortsExhausted: (protocol: string) =>
    `resource dynamic port space is exhausted: protocol ${protocol}`,
  portOutOfRange: (port: number) => `published port ${port} isn't in the valid port range`,

  // ---- tasks (swarmkit allocateTask / cnmallocator.AllocateTask)
  serviceNotFound: (serviceId: string, taskId: string) =>
    `could not find service ${serviceId} for task ${taskId}`,
  noTaskAddress: (taskId: string, networkId: string) =>
    `failed to allocate network IP for task ${taskId} network ${networkId}: could not find an available IP`,
} as const;
