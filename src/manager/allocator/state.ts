/**
 * AllocationState: everything the allocator holds in memory, and nothing it could not
 * rebuild from the store. Networks (subnets, VXLAN ids, address pools), published ports,
 * and per service and per task the resources they hold (a *record*). Records are the only
 * way resources are released, so releasing twice (a task that finished, then was
 * deleted) frees nothing the second time.
 *
 * `restore*` registers what the store says is allocated (a new leader's first pass): a
 * port another service already holds is not registered (that service keeps it; this one
 * will be re-planned and refused), an address two live holders share stays held until
 * both let go. Either way nothing is ever handed out twice, and the clash is logged.
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Network } from '../../api/network.ts';
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { isTerminal } from '../../api/task-state.ts';
import { portProtocol, portPublishMode } from '../../api/validate/endpoint.ts';
import { isNetworkAllocated, Networks } from './networks.ts';
import { PortSpace, type Protocol } from './ports.ts';

export interface Address {
  readonly networkId: string;
  /** The network's allocation it came from (NetworkRecord.gen). */
  readonly gen: number;
  readonly addr: number;
  /** As the store has it: `10.0.1.7/24`. */
  readonly cidr: string;
}

export interface HeldPort {
  readonly protocol: Protocol;
  readonly port: number;
}

export interface ServiceRecord {
  readonly ports: readonly HeldPort[];
  readonly vips: readonly Address[];
}

export interface TaskRecord {
  readonly addrs: readonly Address[];
}

/** Where a service stands: its endpoint is in the store, not yet (being written, or waiting for a network), or refused. */
export type ServiceStatus = { kind: 'ok' } | { kind: 'pending' } | { kind: 'blocked'; reason: string };

/** Wake keys: what a waiting object waits for. */
export const wake = {
  ports: 'ports',
  subnets: 'subnets',
  ingress: 'ingress',
  network: (id: string) => `net:${id}`,
  addresses: (networkId: string) => `addr:${networkId}`,
  service: (id: string) => `svc:${id}`,
};

export class AllocationState {
  readonly networks = new Networks();
  readonly ports = new PortSpace();
  readonly services = new Map<string, ServiceRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly serviceStatus = new Map<string, ServiceStatus>();
  /** The ingress network the routing mesh uses (the first one allocated). */
  ingressId: string | undefined;

  constructor(private readonly warn: (m: string) => void) {}

  restoreNetwork(n: DeepReadonly<Network>): boolean {
    if (this.networks.get(n.ID) || !isNetworkAllocated(n)) return false;
    const rec = this.networks.restore(n, this.warn);
    if (rec && n.Spec.Ingress && this.ingressId === undefined) this.ingressId = n.ID;
    return rec !== undefined;
  }

  restoreService(s: DeepReadonly<Service>): void {
    if (this.services.has(s.ID) || !s.Endpoint) return;
    const ports: HeldPort[] = [];
    for (const p of s.Endpoint.Ports ?? []) {
      if (portPublishMode(p) !== 'ingress' || !p.PublishedPort) continue;
      const protocol = portProtocol(p);
      if (this.ports.hold(protocol, p.PublishedPort, s.ID)) ports.push({ protocol, port: p.PublishedPort });
      else {
        const owner = this.ports.owner(protocol, p.PublishedPort);
        this.warn(`service ${s.ID}: port ${protocol}/${p.PublishedPort} is held by service ${owner}`);
      }
    }
    const vips: Address[] = [];
    for (const v of s.Endpoint.VirtualIPs ?? []) {
      const a = this.holdAddress(v.NetworkID, v.Addr, `service ${s.ID}`);
      if (a) vips.push(a);
    }
    this.services.set(s.ID, { ports, vips });
  }

  restoreTask(t: DeepReadonly<Task>): void {
    if (this.tasks.has(t.ID) || isTerminal(t.Status.State) || !t.NetworksAttachments?.length) return;
    const addrs: Address[] = [];
    for (const na of t.NetworksAttachments) {
      for (const cidr of na.Addresses ?? []) {
        const a = this.holdAddress(na.Network.ID, cidr, `task ${t.ID}`);
        if (a) addrs.push(a);
      }
    }
    if (addrs.length > 0) this.tasks.set(t.ID, { addrs });
  }

  /** Frees a removed service's ports and VIPs; returns the wake keys. */
  releaseService(id: string): string[] {
    this.serviceStatus.delete(id);
    const rec = this.services.get(id);
    if (!rec) return [];
    this.services.delete(id);
    return [...this.releasePorts(id, rec.ports), ...this.releaseAddresses(rec.vips)];
  }

  /** Frees a deleted or finished task's addresses; returns the wake keys. */
  releaseTask(id: string): string[] {
    const rec = this.tasks.get(id);
    if (!rec) return [];
    this.tasks.delete(id);
    return this.releaseAddresses(rec.addrs);
  }

  /** Frees a removed network's subnets and VXLAN ids; returns the wake keys. */
  releaseNetwork(id: string): string[] {
    if (this.ingressId === id) this.ingressId = undefined;
    return this.networks.release(id) ? [wake.subnets] : [];
  }

  releasePorts(serviceId: string, ports: readonly HeldPort[]): string[] {
    for (const p of ports) this.ports.release(p.protocol, p.port, serviceId);
    return ports.length > 0 ? [wake.ports] : [];
  }

  releaseAddresses(addrs: readonly Address[]): string[] {
    const keys = new Set<string>();
    for (const a of addrs)
      if (this.networks.releaseAddress(a.networkId, a.addr, a.gen)) keys.add(wake.addresses(a.networkId));
    return [...keys];
  }

  private holdAddress(networkId: string, cidr: string, who: string): Address | undefined {
    const got = this.networks.hold(networkId, cidr);
    if (got === 'unknown') {
      this.warn(`${who}: address ${cidr} is not in network ${networkId}'s subnets`);
      return undefined;
    }
    if (got.result === 'shared')
      this.warn(`${who}: address ${cidr} on network ${networkId} has another holder`);
    return { networkId, gen: got.gen, addr: got.addr, cidr };
  }
}
