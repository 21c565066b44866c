/**
 * Published ports of the routing mesh. A port published in ingress mode is open on every
 * node, so its number is a swarm-wide resource: one service per (protocol, port). Host-mode
 * ports are per node and not allocated here (the scheduler keeps two tasks publishing the
 * same host port off one node). `PortSpace` holds who owns which port; `planPorts` decides
 * a service's Endpoint.Ports without changing it, the caller commits (`hold`) once the
 * decision stands and releases the ports the plan dropped once the store has the new
 * endpoint.
 *
 * Rules (swarmkit's port allocator, with its rewrite's stickiness):
 *  - a PublishedPort given by the user is taken as is; owned by another service it is a
 *    conflict, with the controlapi's words (portConflictProblems);
 *  - PublishedPort 0 gets the lowest free port of 30000-32767 (Docker's dynamic range);
 *  - a dynamic port whose config did not change keeps the number it had (an update that
 *    touches another port does not renumber this one);
 *  - the service's own ports count as free for its new plan (it is giving them up).
 */

import type { DeepReadonly } from '../../api/meta.ts';
import type { PortConfig, Service } from '../../api/service.ts';
import { portProtocol, portPublishMode } from '../../api/validate/endpoint.ts';
import { portConflictProblems } from '../../api/validate/service-context.ts';
import { Bitmap } from './bitmap.ts';
import { msg } from './messages.ts';

export const DYNAMIC_PORT_START = 30000;
export const DYNAMIC_PORT_END = 32767;
const MAX_PORT = 65535;

export type Protocol = 'tcp' | 'udp' | 'sctp';
type Port = DeepReadonly<PortConfig>;

export const portKey = (protocol: Protocol, port: number): string => `${protocol}/${port}`;

export class PortSpace {
  private readonly owners = new Map<string, string>();
  private readonly byService = new Map<string, Set<string>>();
  private readonly bits = new Map<Protocol, Bitmap>();

  owner(protocol: Protocol, port: number): string | undefined {
    return this.owners.get(portKey(protocol, port));
  }

  /** Takes the port for the service; false (and nothing changes) if another owns it. */
  hold(protocol: Protocol, port: number, serviceId: string): boolean {
    const key = portKey(protocol, port);
    const cur = this.owners.get(key);
    if (cur !== undefined) return cur === serviceId;
    this.owners.set(key, serviceId);
    let own = this.byService.get(serviceId);
    if (!own) {
      own = new Set();
      this.byService.set(serviceId, own);
    }
    own.add(key);
    this.space(protocol).set(port);
    return true;
  }

  /** Frees the port if the service owns it. */
  release(protocol: Protocol, port: number, serviceId: string): void {
    const key = portKey(protocol, port);
    if (this.owners.get(key) !== serviceId) return;
    this.owners.delete(key);
    const own = this.byService.get(serviceId);
    own?.delete(key);
    if (own?.size === 0) this.byService.delete(serviceId);
    this.space(protocol).clear(port);
  }

  /** Ports owned (all protocols). */
  get size(): number {
    return this.owners.size;
  }

  /**
   * The lowest dynamic port from `from` on that is free or the service's own, and not in
   * `taken` (the ports its plan already chose).
   */
  lowestFree(protocol: Protocol, serviceId: string, taken: Set<string>, from = DYNAMIC_PORT_START): number {
    const bits = this.space(protocol);
    let best = -1;
    for (
      let p = bits.firstClear(from, DYNAMIC_PORT_END);
      p >= 0;
      p = bits.firstClear(p + 1, DYNAMIC_PORT_END)
    ) {
      if (!taken.has(portKey(protocol, p))) {
        best = p;
        break;
      }
    }
    for (const key of this.byService.get(serviceId) ?? []) {
      if (taken.has(key) || !key.startsWith(`${protocol}/`)) continue;
      const p = Number(key.slice(protocol.length + 1));
      if (p >= from && p <= DYNAMIC_PORT_END && (best < 0 || p < best)) best = p;
    }
    return best;
  }

  private space(protocol: Protocol): Bitmap {
    let b = this.bits.get(protocol);
    if (!b) {
      b = new Bitmap(MAX_PORT + 1);
      this.bits.set(protocol, b);
    }
    return b;
  }
}

/** A port as Endpoint.Ports shows it: protocol and publish mode spelled out. */
export function allocatedPort(p: Port, published?: number): PortConfig {
  const out: PortConfig = {
    Protocol: portProtocol(p),
    TargetPort: p.TargetPort,
    PublishMode: portPublishMode(p),
  };
  if (p.Name !== undefined) out.Name = p.Name;
  const port = published ?? p.PublishedPort;
  if (port !== undefined) out.PublishedPort = port;
  return out;
}

/** What identifies a port config apart from its published number. */
const configKey = (p: Port): string =>
  `${p.Name ?? ''}\u0000${p.TargetPort}\u0000${portProtocol(p)}\u0000${portPublishMode(p)}`;

export interface PortPlanInput {
  serviceId: string;
  ports: readonly Port[];
  /** The Endpoint.Spec.Ports and Endpoint.Ports the service has now, if allocated. */
  prevSpec?: readonly Port[];
  prevPorts?: readonly Port[];
}

export type PortPlan =
  | { ok: true; ports: PortConfig[]; held: Array<{ protocol: Protocol; port: number }> }
  | { ok: false; reason: string };

/** The service's Endpoint.Ports, or why it cannot have them. Changes nothing. */
export function planPorts(
  space: PortSpace,
  input: PortPlanInput,
  serviceOf: (id: string) => DeepReadonly<Service> | undefined,
): PortPlan {
  const { serviceId } = input;
  const out: Array<PortConfig | undefined> = input.ports.map(() => undefined);
  const held: Array<{ protocol: Protocol; port: number }> = [];
  const taken = new Set<string>();
  const take = (i: number, p: Port, protocol: Protocol, port: number): void => {
    out[i] = allocatedPort(p, port);
    held.push({ protocol, port });
    taken.add(portKey(protocol, port));
  };
  // 1. host-mode ports are copied; ports the user numbered are taken or conflict
  for (const [i, p] of input.ports.entries()) {
    if (portPublishMode(p) === 'host') {
      out[i] = allocatedPort(p);
      continue;
    }
    const port = p.PublishedPort ?? 0;
    if (port === 0) continue;
    if (port > MAX_PORT) return { ok: false, reason: msg.portOutOfRange(port) };
    const protocol = portProtocol(p);
    const owner = space.owner(protocol, port);
    if (owner !== undefined && owner !== serviceId) return conflict(p, owner, serviceOf);
    if (taken.has(portKey(protocol, port)))
      return { ok: false, reason: 'EndpointSpec: duplicate published ports provided' };
    take(i, p, protocol, port);
  }
  // 2. unchanged dynamic ports keep their number; 3. the others get the lowest free one
  const sticky = stickyPorts(input);
  for (const [i, p] of input.ports.entries()) {
    if (out[i] !== undefined) continue;
    const protocol = portProtocol(p);
    const candidates = sticky.get(configKey(p)) ?? [];
    while (candidates.length > 0) {
      const port = candidates.shift() as number;
      if (!taken.has(portKey(protocol, port)) && space.owner(protocol, port) === serviceId) {
        take(i, p, protocol, port);
        break;
      }
    }
  }
  const next = new Map<Protocol, number>(); // lowest free only grows within one plan
  for (const [i, p] of input.ports.entries()) {
    if (out[i] !== undefined) continue;
    const protocol = portProtocol(p);
    const port = space.lowestFree(protocol, serviceId, taken, next.get(protocol));
    if (port < 0) return { ok: false, reason: msg.dynamicPortsExhausted(protocol) };
    next.set(protocol, port + 1);
    take(i, p, protocol, port);
  }
  return { ok: true, ports: out as PortConfig[], held };
}

/**
 * The numbers dynamic ports may keep, by config: the previous plan's numbers for configs
 * that were dynamic (PublishedPort 0) in the previous spec too.
 */
function stickyPorts(input: PortPlanInput): Map<string, number[]> {
  const wasDynamic = new Set<string>();
  for (const q of input.prevSpec ?? []) if (!q.PublishedPort) wasDynamic.add(configKey(q));
  const out = new Map<string, number[]>();
  for (const q of input.prevPorts ?? []) {
    const key = configKey(q);
    const port = q.PublishedPort ?? 0;
    if (!wasDynamic.has(key) || port < DYNAMIC_PORT_START || port > DYNAMIC_PORT_END) continue;
    const list = out.get(key);
    if (list) list.push(port);
    else out.set(key, [port]);
  }
  return out;
}

/** The controlapi's own words for the clash, so the user reads the same text either way. */
function conflict(
  p: Port,
  ownerId: string,
  serviceOf: (id: string) => DeepReadonly<Service> | undefined,
): PortPlan {
  const owner = serviceOf(ownerId);
  const asOwner = {
    ID: ownerId,
    Spec: { Name: owner?.Spec.Name ?? ownerId, TaskTemplate: {} },
    Endpoint: { Spec: {}, Ports: [allocatedPort(p)] },
  } as unknown as Service;
  const spec = { Name: '', TaskTemplate: {}, EndpointSpec: { Ports: [allocatedPort(p)] } };
  const problem = portConflictProblems(spec, [asOwner])[0];
  return { ok: false, reason: problem?.message ?? `port ${p.PublishedPort} is in use` };
}
