/**
 * A task's ports on the node. Each PortConfig of the task's endpoint is exposed so that
 * something on this node can reach it:
 *
 *   ingress mode (the routing mesh's): the target port is published on an ephemeral host
 *     port bound to `meshHostIp` (127.0.0.1 by default), so the mesh forwards
 *     <published port on any node> -> <this node's 127.0.0.1:ephemeral>; the container's
 *     own address on its network is reported too.
 *   host mode: the published port itself is bound on the node (an ephemeral one when the
 *     spec leaves it 0) and reported in the task's PortStatus, as Docker does. It is bound
 *     on every address, or on `hostModeIp` (the node's own address) when the node has one:
 *     several nodes sharing one machine (and engine) must not answer on each other's
 *     addresses.
 */
import type { PortConfig } from '../../api/service.ts';

type Bindings = Record<string, Array<{ HostIp: string; HostPort: string }>>;

const key = (p: Pick<PortConfig, 'TargetPort' | 'Protocol'>): string =>
  `${p.TargetPort}/${p.Protocol ?? 'tcp'}`;

export function portBindings(
  ports: readonly PortConfig[],
  meshHostIp: string,
  hostModeIp = '',
): { exposed: Record<string, object> | undefined; bindings: Bindings | undefined } {
  if (ports.length === 0) return { exposed: undefined, bindings: undefined };
  const exposed: Record<string, object> = {};
  const bindings: Bindings = {};
  for (const p of ports) {
    const k = key(p);
    exposed[k] = {};
    const list = bindings[k] ?? [];
    bindings[k] = list;
    const binding =
      p.PublishMode === 'host'
        ? { HostIp: hostModeIp, HostPort: p.PublishedPort ? String(p.PublishedPort) : '' }
        : { HostIp: meshHostIp, HostPort: '' };
    if (!list.some((b) => b.HostIp === binding.HostIp && b.HostPort === binding.HostPort)) list.push(binding);
  }
  return { exposed, bindings };
}

/** What `GET /containers/{id}/json` says of the container's ports and addresses. */
export interface InspectedNetwork {
  Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null;
  IPAddress?: string;
  Networks?: Record<string, { IPAddress?: string }> | null;
}

/** Where one target port of a running task can be reached from this node. */
export interface TaskPortEndpoint {
  targetPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** The node's address and port the engine forwards to the container (ephemeral for ingress). */
  hostIp: string;
  hostPort: number;
  publishMode: 'ingress' | 'host';
  /** The container's address on its network, when it has one. */
  containerIp?: string;
}

export function containerIp(net: InspectedNetwork | undefined): string | undefined {
  if (net?.IPAddress) return net.IPAddress;
  for (const n of Object.values(net?.Networks ?? {})) if (n.IPAddress) return n.IPAddress;
  return undefined;
}

/** The endpoints of each of the task's ports, from the engine's view of the container. */
export function portEndpoints(
  ports: readonly PortConfig[],
  net: InspectedNetwork | undefined,
  meshHostIp: string,
): TaskPortEndpoint[] {
  const ip = containerIp(net);
  const out: TaskPortEndpoint[] = [];
  // Host ports named in the spec: when the mesh's and the host-mode bindings share an
  // address (meshHostIp 0.0.0.0, no node address), the port number tells them apart.
  const fixedHostPorts = new Set(
    ports
      .filter((p) => p.PublishMode === 'host' && p.PublishedPort)
      .map((p) => `${key(p)}:${p.PublishedPort}`),
  );
  for (const p of ports) {
    const mode = p.PublishMode === 'host' ? 'host' : 'ingress';
    const bound = net?.Ports?.[key(p)] ?? [];
    const match = bound.find((b) =>
      mode === 'host'
        ? p.PublishedPort
          ? b.HostPort === String(p.PublishedPort)
          : b.HostIp !== meshHostIp
        : b.HostIp === meshHostIp && !fixedHostPorts.has(`${key(p)}:${b.HostPort}`),
    );
    if (!match) continue;
    const e: TaskPortEndpoint = {
      targetPort: p.TargetPort,
      protocol: p.Protocol ?? 'tcp',
      hostIp: match.HostIp || '0.0.0.0',
      hostPort: Number(match.HostPort),
      publishMode: mode,
    };
    if (ip) e.containerIp = ip;
    out.push(e);
  }
  return out;
}

/** The task's PortStatus: its host-mode ports with the port actually bound. */
export function portStatus(endpoints: readonly TaskPortEndpoint[]): PortConfig[] {
  return endpoints
    .filter((e) => e.publishMode === 'host')
    .map((e) => ({
      Protocol: e.protocol,
      TargetPort: e.targetPort,
      PublishedPort: e.hostPort,
      PublishMode: 'host' as const,
    }));
}
