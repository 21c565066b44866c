/**
 * The portable data path: a user-space proxy inside the daemon. Works on any OS, as any
 * user that may bind the ports; the default everywhere.
 *
 *   apply(state) ─► (serialised, latest state wins)
 *     port gone      ─► stop listening, close its connections at once
 *     port new       ─► bind every address; a failure is reported (onPortProblem,
 *                       problems()) and the port retried every retryMs and on each apply
 *     port kept      ─► new endpoint list: added at once, removed ones drained
 */
import { type Clock, realClock, type Timer } from '../../../base/clock.ts';
import { type Logger, nullLogger } from '../../../base/logger.ts';
import type { DataPlaneEvents, MeshDataPlane } from '../dataplane.ts';
import { EMPTY_MESH, type MeshPort, type MeshState, type PortProblem, portKey } from '../types.ts';
import type { PortHandle, PortSetup } from './port.ts';
import { TcpPort } from './tcp-port.ts';
import { UdpPort } from './udp-port.ts';

export interface UserspaceOptions extends DataPlaneEvents {
  clock?: Clock;
  /** Listen addresses; default every address of the node. */
  addresses?: readonly string[];
  connectTimeoutMs?: number;
  udpIdleMs?: number;
  /** How often a port that could not be bound is tried again. */
  retryMs?: number;
  logger?: Logger;
}

export class UserspaceDataPlane implements MeshDataPlane {
  readonly kind = 'userspace' as const;
  private readonly ports = new Map<string, PortHandle>();
  private readonly failed = new Map<string, PortProblem[]>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private latest: MeshState = EMPTY_MESH;
  private chain: Promise<void> = Promise.resolve();
  private retry: Timer | undefined;
  private closed = false;

  constructor(private readonly o: UserspaceOptions = {}) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger ?? nullLogger;
  }

  apply(state: MeshState): Promise<void> {
    if (this.closed) return Promise.reject(new Error('mesh data path closed'));
    this.latest = state;
    this.chain = this.chain.then(() => this.reconcile());
    return this.chain;
  }

  problems(): PortProblem[] {
    return [...this.failed.values()].flat();
  }

  /** The handle of an open port (tests, stats). */
  port(protocol: MeshPort['protocol'], port: number): PortHandle | undefined {
    return this.ports.get(portKey({ protocol, port }));
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const state = this.latest;
    const wanted = new Map(state.ports.map((p) => [portKey(p), p]));
    for (const [key, h] of [...this.ports]) {
      if (wanted.has(key)) continue;
      this.ports.delete(key);
      await h.close();
    }
    for (const key of [...this.failed.keys()]) if (!wanted.has(key)) this.failed.delete(key);
    for (const [key, p] of wanted) {
      if (state !== this.latest || this.closed) return; // superseded: the next run continues
      let h = this.ports.get(key);
      if (!h) {
        h = await this.open(key, p);
        if (!h) continue;
      }
      h.update(p);
    }
    this.armRetry();
  }

  private async open(key: string, p: MeshPort): Promise<PortHandle | undefined> {
    const setup: PortSetup = {
      port: p.port,
      addresses: this.o.addresses?.length ? this.o.addresses : [undefined],
      clock: this.clock,
      connectTimeoutMs: this.o.connectTimeoutMs ?? 3000,
      udpIdleMs: this.o.udpIdleMs ?? 30_000,
    };
    const h: PortHandle = p.protocol === 'tcp' ? new TcpPort(setup) : new UdpPort(setup);
    const failures = await h.open();
    if (failures.length === 0) {
      this.ports.set(key, h);
      if (this.failed.delete(key)) this.o.onPortRecovered?.(p);
      return h;
    }
    await h.close();
    const before = new Set((this.failed.get(key) ?? []).map((x) => `${x.address}|${x.message}`));
    const problems = failures.map(
      (f): PortProblem => ({
        port: p.port,
        protocol: p.protocol,
        serviceId: p.serviceId,
        address: f.address,
        message: f.error.message,
        ...(f.error.code ? { code: f.error.code } : {}),
      }),
    );
    this.failed.set(key, problems);
    for (const pr of problems) {
      if (before.has(`${pr.address}|${pr.message}`)) continue;
      this.log.warn({ ...pr }, 'mesh: cannot open published port');
      this.o.onPortProblem?.(pr);
    }
    return undefined;
  }

  private armRetry(): void {
    if (this.retry || this.failed.size === 0 || this.closed) return;
    this.retry = this.clock.setTimeout(() => {
      this.retry = undefined;
      if (this.failed.size > 0) void this.apply(this.latest).catch(() => {});
    }, this.o.retryMs ?? 5000);
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    this.retry?.cancel();
    this.retry = undefined;
    await this.chain.catch(() => {});
    const handles = [...this.ports.values()];
    this.ports.clear();
    this.failed.clear();
    await Promise.all(handles.map((h) => h.close()));
  }
}
