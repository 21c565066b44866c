/**
 * The endpoint table, as a pure function: services + tasks (+ nodes) -> MeshState.
 *
 *   for each service, for each allocated ingress-mode port (Endpoint.Ports, tcp|udp):
 *     endpoints = its tasks that are RUNNING, desired RUNNING, on a node not down,
 *                 and for which the EndpointSource knows where TargetPort answers
 *
 * A task reaches RUNNING only once its health check passed (the runner's health gate) and
 * leaves it when it turns unhealthy (FAILED), so "RUNNING" already means "healthy"; an
 * EndpointSource can still hide a task (return undefined) for finer knowledge.
 *
 * Per-port options ride on service labels (the Engine API has no field for them):
 *   shoal.mesh.proxy-protocol = "true" | "8080,8443"   PROXY v2 header toward the task
 *   shoal.mesh.balance        = "round-robin" | "least-connections"
 */

import { NS_PER_MS } from '../../api/meta.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { DEFAULT_STOP_GRACE_MS } from '../../executor/spec.ts';
import type { Stored } from '../../store/types.ts';
import type { BalanceMode, MeshEndpoint, MeshPort, MeshProtocol, MeshState } from './types.ts';

export const PROXY_PROTOCOL_LABEL = 'shoal.mesh.proxy-protocol';
export const BALANCE_LABEL = 'shoal.mesh.balance';

/** Where a task's target port can be reached from any node (the executor reports it). */
export interface EndpointSource {
  resolve(
    task: Stored<Task>,
    targetPort: number,
    protocol: MeshProtocol,
  ): { host: string; port: number } | undefined;
}

export interface MeshOptions {
  source: EndpointSource;
  /** This node's id: its tasks' endpoints are `local`. */
  selfNodeId?: string;
  balance?: BalanceMode;
  /** Nodes whose tasks are not reachable (down, unknown): their tasks are left out. */
  nodeDown?: (nodeId: string) => boolean;
}

/** The published ports of one service, with their endpoints. */
export function servicePorts(
  service: Stored<Service>,
  tasks: Iterable<Stored<Task>>,
  opts: MeshOptions,
): MeshPort[] {
  const ports = ingressPorts(service);
  if (ports.length === 0) return [];
  const live: Stored<Task>[] = [];
  for (const t of tasks) if (isServing(t, opts)) live.push(t);
  live.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  const labels = service.Spec.Labels ?? {};
  const balance = parseBalance(labels[BALANCE_LABEL]) ?? opts.balance ?? 'round-robin';
  const proxied = parseProxyPorts(labels[PROXY_PROTOCOL_LABEL]);
  return ports.map(({ port, protocol, target }) => {
    const endpoints: MeshEndpoint[] = [];
    for (const t of live) {
      const at = opts.source.resolve(t, target, protocol);
      if (!at) continue;
      endpoints.push({
        id: t.ID,
        host: at.host,
        port: at.port,
        drainMs: graceMs(t),
        local: opts.selfNodeId !== undefined && t.NodeID === opts.selfNodeId,
      });
    }
    const proxyProtocol = protocol === 'tcp' && (proxied === 'all' || (proxied?.has(port) ?? false));
    return { port, protocol, serviceId: service.ID, balance, proxyProtocol, endpoints };
  });
}

/**
 * The whole table. A (protocol, port) claimed by two services (the allocator never does
 * it) goes to the service with the smaller id, so every node picks the same one.
 */
export function computeMeshState(
  services: Iterable<Stored<Service>>,
  tasksOf: (serviceId: string) => Iterable<Stored<Task>>,
  opts: MeshOptions,
): MeshState {
  const sorted = [...services].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
  return mergePorts(sorted.map((s) => servicePorts(s, tasksOf(s.ID), opts)));
}

/** Per-service port lists -> one MeshState (first claim of a port wins; sorted). */
export function mergePorts(perService: Iterable<readonly MeshPort[]>): MeshState {
  const byKey = new Map<string, MeshPort>();
  for (const list of perService) {
    for (const p of list) {
      const k = `${p.protocol}/${p.port}`;
      if (!byKey.has(k)) byKey.set(k, p);
    }
  }
  const ports = [...byKey.values()].sort((a, b) =>
    a.protocol === b.protocol ? a.port - b.port : a.protocol < b.protocol ? -1 : 1,
  );
  return { ports };
}

/** The task's stop grace period (Docker's default 10 s): how long its connections may drain. */
export function graceMs(t: Stored<Task>): number {
  const ns = t.Spec.ContainerSpec?.StopGracePeriod;
  return ns !== undefined && ns >= 0 ? ns / NS_PER_MS : DEFAULT_STOP_GRACE_MS;
}

export function isServing(t: Stored<Task>, opts: Pick<MeshOptions, 'nodeDown'>): boolean {
  if (t.Status.State !== 'running' || t.DesiredState !== 'running') return false;
  return !(t.NodeID && opts.nodeDown?.(t.NodeID));
}

interface IngressPort {
  port: number;
  protocol: MeshProtocol;
  target: number;
}

/** The allocated ingress-mode ports (host mode bypasses the mesh; sctp is not carried). */
export function ingressPorts(service: Stored<Service>): IngressPort[] {
  const out: IngressPort[] = [];
  for (const p of service.Endpoint?.Ports ?? []) {
    if ((p.PublishMode ?? 'ingress') !== 'ingress') continue;
    const protocol = p.Protocol ?? 'tcp';
    if (protocol !== 'tcp' && protocol !== 'udp') continue;
    if (!p.PublishedPort || p.PublishedPort <= 0) continue;
    out.push({ port: p.PublishedPort, protocol, target: p.TargetPort });
  }
  return out;
}

export function parseBalance(v: string | undefined): BalanceMode | undefined {
  return v === 'round-robin' || v === 'least-connections' ? v : undefined;
}

/** "true"/"all" -> every TCP port; "8080,8443" -> those; anything else -> none. */
export function parseProxyPorts(v: string | undefined): 'all' | Set<number> | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === 'all' || s === '1') return 'all';
  const set = new Set<number>();
  for (const part of s.split(',')) {
    const n = Number(part.trim().replace(/\/tcp$/, ''));
    if (Number.isInteger(n) && n > 0 && n < 65536) set.add(n);
  }
  return set;
}
