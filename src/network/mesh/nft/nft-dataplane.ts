/**
 * The kernel data path: the mesh as an nftables table (ruleset.ts), replaced atomically by
 * one `nft -f -` transaction per change. Packets never reach user space.
 *
 *   apply(state) ─► (serialised, latest state wins)
 *     endpoints gone ─► a drain timer each (the task's stop grace period); their open
 *                       flows go on (conntrack keeps the NAT binding); at the deadline
 *                       the endpoint joins @expired and its flows are cut
 *     endpoints back ─► timer cancelled / taken out of @expired
 *     render the table ─► nft -f - (first time: sysctls route_localnet, ip_forward)
 *   close() ─► delete the table
 *
 * Needs root on Linux with nft (detect.ts); IPv4 endpoints only; round-robin only (numgen
 * inc; least-connections is a user-space feature); no PROXY header (the kernel keeps the
 * client's address for local endpoints instead).
 */
import { type Clock, realClock, type Timer } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { DataPlaneEvents, MeshDataPlane } from '../dataplane.ts';
import { EMPTY_MESH, type MeshProtocol, type MeshState, type PortProblem, portKey } from '../types.ts';
import { isV4, renderDelete, renderRuleset } from './ruleset.ts';
import { type NftRunner, nftRunner } from './runner.ts';

export interface NftOptions extends DataPlaneEvents {
  /** Program the table inside this network namespace (tests, benchmark). */
  netns?: string;
  nft?: string;
  runner?: NftRunner;
  table?: string;
  /** Conntrack mark bit for the mesh's flows (default 0x4000). */
  ctMark?: number;
  /** Destination addresses that count as the node's (default: every local address). */
  addresses?: readonly string[];
  /** Set net.ipv4.conf.all.route_localnet=1 and net.ipv4.ip_forward=1 (default true). */
  sysctls?: boolean;
  /** How long an expired endpoint's flows stay cut (default 5 minutes). */
  expiredTtlMs?: number;
  clock?: Clock;
  logger?: Logger;
}

interface Addr {
  host: string;
  protocol: MeshProtocol;
  port: number;
}

const addrKey = (a: Addr): string => `${a.host}|${a.protocol}|${a.port}`;

export class NftDataPlane implements MeshDataPlane {
  readonly kind = 'nft' as const;
  readonly table: string;
  private readonly runner: NftRunner;
  private readonly clock: Clock;
  private readonly log: Logger;
  private latest: MeshState = EMPTY_MESH;
  private chain: Promise<void> = Promise.resolve();
  private live = new Map<string, Addr & { drainMs: number }>();
  private readonly draining = new Map<string, Timer>();
  private readonly expired = new Map<string, Addr & { until: number }>();
  private failed: PortProblem[] = [];
  private started = false;
  private closed = false;
  private expiryTimer: Timer | undefined;
  /** Transactions applied (tests, stats). */
  transactions = 0;
  lastScript = '';

  constructor(private readonly o: NftOptions = {}) {
    this.table = o.table ?? 'shoal-mesh';
    this.runner = o.runner ?? nftRunner({ netns: o.netns, nft: o.nft });
    this.clock = o.clock ?? realClock;
    this.log = o.logger ?? nullLogger;
  }

  apply(state: MeshState): Promise<void> {
    if (this.closed) return Promise.reject(new Error('mesh data path closed'));
    this.latest = state;
    return this.enqueue();
  }

  problems(): PortProblem[] {
    return this.failed;
  }

  private enqueue(): Promise<void> {
    this.chain = this.chain.then(() => this.reconcile());
    return this.chain;
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    if (!this.started) {
      this.started = true;
      if (this.o.sysctls !== false) {
        await this.runner.sysctl('net.ipv4.conf.all.route_localnet', '1');
        await this.runner.sysctl('net.ipv4.ip_forward', '1');
      }
    }
    const state = this.latest;
    this.trackEndpoints(state);
    const now = this.clock.now();
    for (const [k, e] of this.expired) if (e.until <= now) this.expired.delete(k);
    const script = renderRuleset({
      table: this.table,
      ctMark: this.o.ctMark ?? 0x4000,
      ports: state.ports,
      expired: [...this.expired.values()],
      addresses: this.o.addresses,
    });
    const problems: PortProblem[] = [];
    try {
      await this.runner.run(script);
      this.transactions++;
      this.lastScript = script;
      for (const p of state.ports) {
        if (p.endpoints.length > 0 && !p.endpoints.some((e) => isV4(e.host))) {
          problems.push(problem(p, 'the kernel data path carries IPv4 endpoints only'));
        }
      }
    } catch (e) {
      for (const p of state.ports) problems.push(problem(p, (e as Error).message));
    }
    this.report(problems);
    this.armExpiry();
  }

  /** Starts drain timers for endpoints that left; stops them for ones that came back. */
  private trackEndpoints(state: MeshState): void {
    const next = new Map<string, Addr & { drainMs: number }>();
    for (const p of state.ports) {
      for (const e of p.endpoints) {
        const a = { host: e.host, protocol: p.protocol, port: e.port, drainMs: e.drainMs };
        next.set(addrKey(a), a);
      }
    }
    for (const [k] of next) {
      this.draining.get(k)?.cancel();
      this.draining.delete(k);
      this.expired.delete(k);
    }
    for (const [k, a] of this.live) {
      if (next.has(k) || this.draining.has(k)) continue;
      const t = this.clock.setTimeout(() => {
        this.draining.delete(k);
        this.expired.set(k, { ...a, until: this.clock.now() + (this.o.expiredTtlMs ?? 300_000) });
        if (!this.closed) void this.enqueue().catch(() => {});
      }, a.drainMs);
      this.draining.set(k, t);
    }
    this.live = next;
  }

  /** Re-renders when the oldest expired entry's time is up (to drop it). */
  private armExpiry(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    if (this.expired.size === 0 || this.closed) return;
    const first = Math.min(...[...this.expired.values()].map((e) => e.until));
    this.expiryTimer = this.clock.setTimeout(
      () => {
        this.expiryTimer = undefined;
        if (!this.closed) void this.enqueue().catch(() => {});
      },
      Math.max(0, first - this.clock.now()),
    );
  }

  private report(problems: PortProblem[]): void {
    const before = new Set(this.failed.map((p) => `${portKey(p)}|${p.message}`));
    const now = new Set(problems.map((p) => portKey(p)));
    for (const p of problems) {
      if (before.has(`${portKey(p)}|${p.message}`)) continue;
      this.log.warn({ ...p }, 'mesh: cannot program published port');
      this.o.onPortProblem?.(p);
    }
    for (const p of this.failed) if (!now.has(portKey(p))) this.o.onPortRecovered?.(p);
    this.failed = problems;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.draining.values()) t.cancel();
    this.draining.clear();
    this.expiryTimer?.cancel();
    await this.chain.catch(() => {});
    if (this.started) await this.runner.run(renderDelete(this.table));
  }
}

function problem(p: MeshState['ports'][number], message: string): PortProblem {
  return { port: p.port, protocol: p.protocol, serviceId: p.serviceId, address: '', message };
}
