/**
 * Networks: the swarm-wide part of each overlay network, as swarmkit's cnmallocator gives
 * it: one subnet per IPAM config (the user's, or the next free block of the cluster's
 * default address pools), a gateway in it (the user's, or the first address), a VXLAN id
 * per subnet (the overlay driver's state, lowest free from 4096 as Docker's ovmanager),
 * and the address pools VIPs and task addresses are taken from.
 *
 * `allocate` claims at once (so a later decision of the same pass sees the claim) and
 * returns the store fields; a record stays uncommitted, and nothing may take addresses
 * from it, until the store holds the network's allocation (`commit`).
 */

import type { Cluster } from '../../api/cluster.ts';
import type { DeepReadonly } from '../../api/meta.ts';
import type { IPAMConfig, Network } from '../../api/network.ts';
import { AddressPool } from './address-pool.ts';
import { formatBlock, formatV4, parseAddr, parseBlock, parseV4, type V4Block } from './ipv4.ts';
import { msg, VXLAN_OPTION } from './messages.ts';
import { SubnetRegistry } from './subnets.ts';

export const DEFAULT_ADDR_POOL = ['10.0.0.0/8'];
export const DEFAULT_SUBNET_SIZE = 24;
const VXLAN_START = 4096;

type StoredNetwork = DeepReadonly<Network>;

export interface NetworkRecord {
  readonly id: string;
  /**
   * This allocation of the network. An address remembers the generation it came from, so
   * one kept from a removed network is never taken for one of a network created later
   * under the same id.
   */
  readonly gen: number;
  readonly pools: AddressPool[];
  readonly vxlan: number[];
  /** The store holds this allocation: addresses may be taken from it. */
  committed: boolean;
}

export interface NetworkAllocation {
  IPAMOptions: NonNullable<Network['IPAMOptions']>;
  DriverState: NonNullable<Network['DriverState']>;
}

/** swarmkit's test: the store has IPAM state and driver state for the network. */
export function isNetworkAllocated(n: StoredNetwork): boolean {
  const cfgs = n.IPAMOptions?.Configs ?? [];
  return !!n.DriverState && cfgs.length > 0 && cfgs.every((c) => !!c.Subnet && !!c.Gateway);
}

export class Networks {
  readonly subnets = new SubnetRegistry();
  private readonly vxlanIds = new Set<number>();
  private readonly records = new Map<string, NetworkRecord>();
  private gens = 0;

  get(id: string): NetworkRecord | undefined {
    return this.records.get(id);
  }

  get size(): number {
    return this.records.size;
  }

  /** Registers an allocation read from the store; notes overlaps and reused ids in `warn`. */
  restore(n: StoredNetwork, warn: (m: string) => void): NetworkRecord | undefined {
    const pools: AddressPool[] = [];
    for (const c of n.IPAMOptions?.Configs ?? []) {
      const b = parseBlock(c.Subnet ?? '');
      if (b.kind !== 'v4' || b.prefix > 30) {
        warn(`network ${n.ID}: stored subnet ${c.Subnet} is not an IPv4 subnet shoal can use`);
        continue;
      }
      const owner = this.subnets.overlapping(b);
      if (owner !== undefined) warn(`network ${n.ID}: subnet ${c.Subnet} overlaps network ${owner}'s`);
      this.subnets.hold(b, n.ID);
      const range = c.IPRange ? parseBlock(c.IPRange) : undefined;
      const pool = new AddressPool(b, range?.kind === 'v4' ? range : undefined);
      const gw = parseV4(c.Gateway ?? '');
      if (gw !== null && pool.contains(gw)) pool.hold(gw);
      pools.push(pool);
    }
    if (pools.length === 0) return undefined;
    const vxlan = parseVxlan(n.DriverState?.Options?.[VXLAN_OPTION]);
    for (const id of vxlan) {
      if (this.vxlanIds.has(id)) warn(`network ${n.ID}: VXLAN id ${id} is used twice`);
      this.vxlanIds.add(id);
    }
    const rec: NetworkRecord = { id: n.ID, gen: ++this.gens, pools, vxlan, committed: true };
    this.records.set(n.ID, rec);
    return rec;
  }

  /** Claims subnets, gateways and VXLAN ids for an unallocated network. */
  allocate(
    n: StoredNetwork,
    cluster: DeepReadonly<Cluster> | undefined,
  ): { ok: true; record: NetworkRecord; fields: NetworkAllocation } | { ok: false; reason: string } {
    const specs = n.Spec.IPAMOptions?.Configs ?? [];
    const wanted: readonly DeepReadonly<IPAMConfig>[] = specs.length > 0 ? specs : [{}];
    const pools: AddressPool[] = [];
    const configs: IPAMConfig[] = [];
    const fail = (cause: string) => {
      this.subnets.release(n.ID);
      return { ok: false as const, reason: msg.networkPools(n.ID, cause) };
    };
    for (const c of wanted) {
      let subnet: V4Block;
      if (c.Subnet) {
        const b = parseBlock(c.Subnet);
        if (b.kind === 'v6') return fail(msg.ipv6(c.Subnet));
        if (b.kind === 'invalid') return fail(msg.badSubnet(c.Subnet));
        if (b.prefix > 30) return fail(msg.subnetTooSmall(c.Subnet));
        if (!this.subnets.claim(b, n.ID)) return fail(msg.poolOverlap);
        subnet = b;
      } else {
        const got = this.subnets.allocate(defaultPools(cluster), subnetSize(cluster), n.ID);
        if (!got) return fail(msg.noMoreSubnets);
        subnet = got;
      }
      const range = c.IPRange ? parseBlock(c.IPRange) : undefined;
      const pool = new AddressPool(subnet, range?.kind === 'v4' ? range : undefined);
      let gw: number | null;
      if (c.Gateway) {
        gw = parseV4(c.Gateway);
        if (gw === null || !pool.contains(gw)) return fail(msg.outOfRange);
        pool.hold(gw);
      } else {
        gw = pool.allocate();
        if (gw === null) return fail(msg.noAddresses);
      }
      pools.push(pool);
      configs.push({
        Subnet: c.Subnet || formatBlock(subnet),
        ...(c.IPRange ? { IPRange: c.IPRange } : {}),
        Gateway: c.Gateway || formatV4(gw),
      });
    }
    const vxlan: number[] = [];
    for (let id = VXLAN_START; vxlan.length < pools.length; id++) {
      if (id >= 2 ** 24) {
        for (const v of vxlan) this.vxlanIds.delete(v);
        return fail(msg.noVxlanIds);
      }
      if (!this.vxlanIds.has(id)) {
        this.vxlanIds.add(id);
        vxlan.push(id);
      }
    }
    const record: NetworkRecord = { id: n.ID, gen: ++this.gens, pools, vxlan, committed: false };
    this.records.set(n.ID, record);
    const driver = n.Spec.DriverConfiguration;
    return {
      ok: true,
      record,
      fields: {
        IPAMOptions: { Driver: { Name: n.Spec.IPAMOptions?.Driver?.Name || 'default' }, Configs: configs },
        DriverState: {
          Name: driver?.Name || 'overlay',
          Options: { ...(driver?.Options ?? {}), [VXLAN_OPTION]: vxlan.join(',') },
        },
      },
    };
  }

  /** Frees the network's subnets and VXLAN ids and forgets its addresses. */
  release(id: string): boolean {
    const rec = this.records.get(id);
    this.subnets.release(id);
    if (!rec) return false;
    for (const v of rec.vxlan) this.vxlanIds.delete(v);
    this.records.delete(id);
    return true;
  }

  /** A free address on a committed network, written as the store keeps it (`10.0.1.7/24`). */
  take(id: string): { addr: number; cidr: string; gen: number } | null {
    const rec = this.records.get(id);
    if (!rec?.committed) return null;
    for (const pool of rec.pools) {
      const addr = pool.allocate();
      if (addr !== null) return { addr, cidr: `${formatV4(addr)}/${pool.subnet.prefix}`, gen: rec.gen };
    }
    return null;
  }

  /** Registers a stored address; 'unknown' when no pool of the network has it. */
  hold(id: string, cidr: string): { addr: number; gen: number; result: 'held' | 'shared' } | 'unknown' {
    const addr = parseAddr(cidr);
    const rec = this.records.get(id);
    const pool = addr === null ? undefined : rec?.pools.find((p) => p.contains(addr));
    if (addr === null || !rec || !pool) return 'unknown';
    return { addr, gen: rec.gen, result: pool.hold(addr) };
  }

  /** Gives an address back to the allocation of the network it came from (if still there). */
  releaseAddress(id: string, addr: number, gen: number): boolean {
    const rec = this.records.get(id);
    if (rec?.gen !== gen) return false;
    const pool = rec.pools.find((p) => p.contains(addr));
    if (!pool) return false;
    pool.release(addr);
    return true;
  }
}

function defaultPools(cluster: DeepReadonly<Cluster> | undefined): V4Block[] {
  const list = cluster?.DefaultAddrPool?.length ? cluster.DefaultAddrPool : DEFAULT_ADDR_POOL;
  const out: V4Block[] = [];
  for (const s of list) {
    const b = parseBlock(s);
    if (b.kind === 'v4') out.push(b);
  }
  return out;
}

function subnetSize(cluster: DeepReadonly<Cluster> | undefined): number {
  const n = cluster?.SubnetSize;
  return n && n >= 1 && n <= 30 ? n : DEFAULT_SUBNET_SIZE;
}

function parseVxlan(s: string | undefined): number[] {
  if (!s) return [];
  return s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => Number.isInteger(x) && x > 0);
}
