/**
 * A published UDP port on the user-space path. UDP has no connections, so the mesh keeps
 * flows: (listening socket, client address, client port) -> one upstream socket toward
 * the endpoint chosen for the flow's first datagram. Replies from the endpoint go back to
 * the client from the published port. A flow idle for `udpIdleMs` (default 30 s, like
 * conntrack's UDP timeout) is forgotten; flows of a removed endpoint drain like TCP
 * connections. With no endpoint, datagrams are dropped (UDP has nothing to refuse with in
 * user space; the kernel path answers ICMP port unreachable).
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Timer } from '../../../base/clock.ts';
import type { MeshPort } from '../types.ts';
import { type Backend, Backends } from './backends.ts';
import { bindUdp } from './listen.ts';
import type { BindFailure, PortHandle, PortSetup } from './port.ts';

interface UdpFlow {
  key: string;
  up: dgram.Socket;
  host: string;
  port: number;
  last: number;
  untrack: () => void;
  closed: boolean;
}

export class UdpPort implements PortHandle {
  readonly backends: Backends;
  readonly stats = { flows: 0, dropped: 0 };
  private readonly sockets: dgram.Socket[] = [];
  private readonly flows = new Map<string, UdpFlow>();
  private sweeper: Timer | undefined;

  constructor(private readonly s: PortSetup) {
    this.backends = new Backends(s.clock);
  }

  async open(): Promise<BindFailure[]> {
    const failed: BindFailure[] = [];
    for (const addr of this.s.addresses) {
      const r = await bindUdp(this.s.port, addr);
      if (!r.ok) {
        failed.push({ address: addr ?? '', error: r.error });
        continue;
      }
      const sock = r.socket!;
      const idx = this.sockets.push(sock) - 1;
      sock.on('error', () => {});
      sock.on('message', (msg, rinfo) => this.onMessage(idx, sock, msg, rinfo));
    }
    return failed;
  }

  update(p: MeshPort): void {
    this.backends.mode = p.balance;
    this.backends.update(p.endpoints);
  }

  get flowCount(): number {
    return this.flows.size;
  }

  private onMessage(idx: number, sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${idx}|${rinfo.address}|${rinfo.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const b = this.backends.pick();
      if (!b) {
        this.stats.dropped++;
        return;
      }
      flow = this.openFlow(key, b, sock, rinfo);
    }
    flow.last = this.s.clock.now();
    flow.up.send(msg, flow.port, flow.host);
  }

  private openFlow(key: string, b: Backend, sock: dgram.Socket, rinfo: dgram.RemoteInfo): UdpFlow {
    this.stats.flows++;
    const up = dgram.createSocket(isIPv6(b.ep.host) ? 'udp6' : 'udp4');
    const { host, port } = b.ep;
    const flow: UdpFlow = { key, up, host, port, last: this.s.clock.now(), untrack: () => {}, closed: false };
    flow.untrack = b.track({ close: () => this.closeFlow(flow) });
    up.on('message', (reply) => {
      flow.last = this.s.clock.now();
      sock.send(reply, rinfo.port, rinfo.address);
    });
    up.on('error', () => this.closeFlow(flow));
    this.flows.set(key, flow);
    this.sweeper ??= this.s.clock.setInterval(() => this.sweep(), Math.max(50, this.s.udpIdleMs / 4));
    return flow;
  }

  private closeFlow(f: UdpFlow): void {
    if (f.closed) return;
    f.closed = true;
    f.untrack();
    this.flows.delete(f.key);
    try {
      f.up.close();
    } catch {
      // already closed
    }
    if (this.flows.size === 0) {
      this.sweeper?.cancel();
      this.sweeper = undefined;
    }
  }

  private sweep(): void {
    const cutoff = this.s.clock.now() - this.s.udpIdleMs;
    for (const f of [...this.flows.values()]) if (f.last <= cutoff) this.closeFlow(f);
  }

  async close(): Promise<void> {
    for (const f of [...this.flows.values()]) this.closeFlow(f);
    this.backends.closeAll();
    this.sweeper?.cancel();
    this.sweeper = undefined;
    await Promise.all(this.sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets.length = 0;
  }
}
