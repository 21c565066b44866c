/**
 * Test fixtures for the allocator: a real local store with a cluster object (and the
 * ingress network unless told otherwise), an allocator on it, objects shaped as controlapi
 * and the orchestrators write them, and the invariant checks the tests share.
 */
import assert from 'node:assert/strict';
import type { Network } from '../../api/network.ts';
import type { PortConfig, Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { isTerminal, type TaskState } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import { type LogLine, memoryLogger } from '../../base/logger.ts';
import { SeededRng } from '../../base/rng.ts';
import { MemoryStore } from '../../store/memory-store.ts';
import { LocalProposer, type Proposer } from '../../store/proposer.ts';
import type { NewObject, Stored } from '../../store/types.ts';
import { Allocator } from './allocator.ts';
import { ensureIngressNetwork } from './ingress.ts';
import { parseAddr, parseBlock } from './ipv4.ts';

/** A manual clock whose timers fire when the test moves time on (`advance`). */
export class TestClock implements Clock {
  ms = Date.UTC(2025, 0, 1);
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  now(): number {
    return this.ms;
  }

  wallNow(): number {
    return this.ms;
  }

  setInterval(): Timer {
    throw new Error('TestClock: no intervals');
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const t = { at: this.ms + ms, fn, live: true };
    this.timers.push(t);
    return {
      cancel: () => {
        t.live = false;
      },
    };
  }

  get pendingTimers(): number {
    return this.timers.filter((t) => t.live).length;
  }

  advance(ms: number): void {
    this.ms += ms;
    const due = this.timers.filter((t) => t.live && t.at <= this.ms);
    this.timers = this.timers.filter((t) => t.live && t.at > this.ms);
    for (const t of due) t.fn();
  }
}

export interface Setup {
  store: MemoryStore;
  clock: TestClock;
  allocator: Allocator;
  logs: LogLine[];
  ingressId: string | undefined;
  /** A new allocator on the same store (a new leader); the old one must be stopped. */
  restart(): Promise<Allocator>;
}

export async function setup(
  opts: { pool?: string[]; subnetSize?: number; ingress?: boolean; start?: boolean } = {},
): Promise<Setup> {
  const clock = new TestClock();
  const store = MemoryStore.local({ clock, freeze: true });
  const logs: LogLine[] = [];
  await store.update((tx) =>
    tx.clusters.create({
      ID: 'cluster1',
      Spec: { Name: 'default' },
      ...(opts.pool ? { DefaultAddrPool: opts.pool } : {}),
      ...(opts.subnetSize ? { SubnetSize: opts.subnetSize } : {}),
    }),
  );
  const ingressId =
    opts.ingress === false ? undefined : (await ensureIngressNetwork(store, { rng: new SeededRng(1) })).ID;
  const make = () => new Allocator({ store, clock, logger: memoryLogger(logs) });
  const s: Setup = {
    store,
    clock,
    logs,
    ingressId,
    allocator: make(),
    async restart() {
      await s.allocator.stop();
      s.allocator = make();
      s.allocator.start();
      await s.allocator.idle();
      return s.allocator;
    },
  };
  if (opts.start !== false) {
    s.allocator.start();
    await s.allocator.idle();
  }
  return s;
}

export const ingressPort = (target: number, published?: number, protocol: PortConfig['Protocol'] = 'tcp') =>
  ({
    Protocol: protocol,
    TargetPort: target,
    PublishMode: 'ingress',
    ...(published !== undefined ? { PublishedPort: published } : {}),
  }) satisfies PortConfig;

export const hostPort = (target: number, published: number): PortConfig => ({
  Protocol: 'tcp',
  TargetPort: target,
  PublishedPort: published,
  PublishMode: 'host',
});

export function service(
  id: string,
  o: { name?: string; ports?: PortConfig[]; networks?: string[]; mode?: 'vip' | 'dnsrr' } = {},
): NewObject<Service> {
  return {
    ID: id,
    Spec: {
      Name: o.name ?? id,
      TaskTemplate: {
        ContainerSpec: { Image: 'nginx:1.27' },
        ...(o.networks ? { Networks: o.networks.map((Target) => ({ Target })) } : {}),
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Mode: o.mode ?? 'vip', ...(o.ports ? { Ports: o.ports } : {}) },
    },
  };
}

/** A task as the orchestrator writes it: the service's task template copied in, state NEW. */
export function task(id: string, svc: NewObject<Service> | Stored<Service>, slot = 1): NewObject<Task> {
  return {
    ID: id,
    ServiceID: svc.ID,
    Slot: slot,
    Spec: svc.Spec.TaskTemplate,
    Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: 'new', Message: 'created' },
    DesiredState: 'running',
  } as NewObject<Task>;
}

export function overlay(
  id: string,
  o: { name?: string; subnet?: string; gateway?: string; range?: string } = {},
) {
  const cfg = {
    ...(o.subnet && { Subnet: o.subnet }),
    ...(o.gateway && { Gateway: o.gateway }),
    ...(o.range && { IPRange: o.range }),
  };
  return {
    ID: id,
    Spec: {
      Name: o.name ?? id,
      DriverConfiguration: { Name: 'overlay' },
      ...(o.subnet ? { IPAMOptions: { Configs: [cfg] } } : {}),
    },
  } satisfies NewObject<Network>;
}

export const getTask = (s: Setup, id: string) => s.store.view((tx) => tx.tasks.get(id)) as Stored<Task>;
export const getService = (s: Setup, id: string) =>
  s.store.view((tx) => tx.services.get(id)) as Stored<Service>;
export const getNetwork = (s: Setup, id: string) =>
  s.store.view((tx) => tx.networks.get(id)) as Stored<Network>;

/** Moves a task along the ladder as scheduler and agent would. */
export async function setState(s: Setup, id: string, state: TaskState): Promise<void> {
  await s.store.update((tx) => {
    const t = tx.tasks.get(id);
    if (t) tx.tasks.update(t, { Status: { ...t.Status, State: state } });
  });
}

/** Writes, then waits for the allocator to finish reacting. */
export async function act(s: Setup, fn: Parameters<MemoryStore['update']>[0]): Promise<void> {
  await s.store.update(fn);
  await s.allocator.idle();
}

/**
 * The promises, checked on the whole store: no ingress port held by two services; no
 * address held twice on a network (VIPs, live task addresses and gateways); every address
 * inside its network's subnets; every PENDING-or-later live task has an address for each
 * network of its spec.
 */
export function checkInvariants(s: Setup): void {
  s.store.view((tx) => {
    const ports = new Map<string, string>();
    const used = new Map<string, string>();
    const claim = (net: string, cidr: string, who: string) => {
      const n = tx.networks.get(net);
      if (!n) return;
      const addr = parseAddr(cidr);
      assert.notEqual(addr, null, `${who}: bad address ${cidr}`);
      const inside = (n.IPAMOptions?.Configs ?? []).some((c) => {
        const b = parseBlock(c.Subnet ?? '');
        return (
          b.kind === 'v4' && (addr as number) > b.base && (addr as number) < b.base + 2 ** (32 - b.prefix) - 1
        );
      });
      assert.ok(inside, `${who}: ${cidr} outside network ${net}'s subnets`);
      const key = `${net}/${addr}`;
      assert.equal(used.get(key), undefined, `${cidr} on ${net} held by ${used.get(key)} and ${who}`);
      used.set(key, who);
    };
    for (const n of tx.networks.all())
      for (const c of n.IPAMOptions?.Configs ?? []) claim(n.ID, `${c.Gateway}/32`, `gateway of ${n.ID}`);
    for (const svc of tx.services.all()) {
      for (const p of svc.Endpoint?.Ports ?? []) {
        if (p.PublishMode !== 'ingress') continue;
        const key = `${p.Protocol}/${p.PublishedPort}`;
        assert.equal(ports.get(key), undefined, `port ${key} held by ${ports.get(key)} and ${svc.ID}`);
        ports.set(key, svc.ID);
      }
      for (const v of svc.Endpoint?.VirtualIPs ?? []) claim(v.NetworkID, v.Addr, `vip of ${svc.ID}`);
    }
    for (const t of tx.tasks.all()) {
      if (isTerminal(t.Status.State)) continue;
      for (const na of t.NetworksAttachments ?? [])
        for (const a of na.Addresses) claim(na.Network.ID, a, `task ${t.ID}`);
      if (t.Status.State === 'new') continue;
      const svc = tx.services.get(t.ServiceID);
      if (!svc) continue;
      // one address per network of its spec (those networks may have been removed since)
      const want = new Set(t.Spec.Networks?.map((n) => n.Target) ?? []);
      const ingress = new Set(
        tx.networks
          .all()
          .filter((n) => n.Spec.Ingress)
          .map((n) => n.ID),
      );
      const have = (t.NetworksAttachments ?? []).filter((na) => !ingress.has(na.Network.ID));
      assert.ok(
        have.length >= want.size,
        `task ${t.ID} has ${have.length} addresses for ${want.size} networks`,
      );
    }
  });
}

/** A proposer in front of the store's own, with a hook on each proposal (races, failures). */
export class HookedProposer implements Proposer {
  hook: ((payload: Uint8Array, inner: Proposer) => Promise<unknown>) | undefined;
  constructor(readonly inner: Proposer) {}

  static install(s: Setup): HookedProposer {
    const p = new HookedProposer(new LocalProposer(s.store.stateMachine));
    s.store.setProposer(p);
    return p;
  }

  propose(payload: Uint8Array): Promise<unknown> {
    const h = this.hook;
    return h ? h(payload, this.inner) : this.inner.propose(payload);
  }
}

const decoder = new TextDecoder();
/** Whether an entry holds a write only the allocator makes (of one kind, or any). */
export function isAllocatorWrite(payload: Uint8Array, kind?: 'task' | 'service' | 'network'): boolean {
  const text = decoder.decode(payload);
  const marks = {
    task: ['pending task scheduling', '"Err":'],
    service: ['"Endpoint":'],
    network: ['"DriverState":'],
  };
  return (kind ? marks[kind] : Object.values(marks).flat()).some((m) => text.includes(m));
}
