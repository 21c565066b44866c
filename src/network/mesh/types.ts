/**
 * The routing mesh's vocabulary: what every data path is told to do. A MeshState is plain
 * data (no sockets, no store objects), computed from the store by endpoints.ts and handed
 * whole to a data path, which makes the world look like it (declarative, idempotent).
 */

export type MeshProtocol = 'tcp' | 'udp';

/** How a new connection (or UDP flow) picks its endpoint. */
export type BalanceMode = 'round-robin' | 'least-connections';

/** Where one task answers for one target port: an address any node can reach. */
export interface MeshEndpoint {
  /** The task id (stable identity of the endpoint; a replacement task is a new endpoint). */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /**
   * How long connections already open may go on after the endpoint leaves the table
   * (the task's stop grace period), before the data path closes them.
   */
  readonly drainMs: number;
  /** The task runs on this node (the kernel path keeps the client's address then). */
  readonly local: boolean;
}

/** One published port (ingress mode) and the endpoints behind it. */
export interface MeshPort {
  readonly port: number;
  readonly protocol: MeshProtocol;
  /** The service publishing it (for reports: events, node status). */
  readonly serviceId: string;
  readonly balance: BalanceMode;
  /** Send a PROXY protocol v2 header to the task first (user-space path, TCP only). */
  readonly proxyProtocol: boolean;
  /** Healthy endpoints, sorted by id (deterministic). Empty: connections are refused. */
  readonly endpoints: readonly MeshEndpoint[];
}

export interface MeshState {
  /** Sorted by protocol then port; at most one entry per (protocol, port). */
  readonly ports: readonly MeshPort[];
}

export const EMPTY_MESH: MeshState = { ports: [] };

/** `tcp/8080`: the key of a published port. */
export function portKey(p: { protocol: MeshProtocol; port: number }): string {
  return `${p.protocol}/${p.port}`;
}

/** `id@host:port` (brackets around IPv6 hosts): the key of an endpoint. */
export function endpointKey(e: Pick<MeshEndpoint, 'id' | 'host' | 'port'>): string {
  return `${e.id}@${hostPort(e.host, e.port)}`;
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A published port that could not be opened: reported, never silently ignored. */
export interface PortProblem {
  readonly port: number;
  readonly protocol: MeshProtocol;
  readonly serviceId: string;
  /** The listen address that failed ('' = all addresses). */
  readonly address: string;
  /** `listen EADDRINUSE: address already in use 0.0.0.0:8080` (the system's words). */
  readonly message: string;
  readonly code?: string;
}
