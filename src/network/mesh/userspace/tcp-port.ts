/**
 * A published TCP port on the user-space path: one listening socket per address, each
 * accepted connection forwarded to an endpoint (forward.ts).
 *
 * Refusal. A listening socket cannot decline one connection: the kernel completes the
 * handshake before accept(). With no endpoint, the connection is accepted and reset at
 * once (resetAndDestroy: RST, no FIN), so the client sees ECONNRESET on its first read or
 * write within a round trip, never a hang. Closing the listener instead would make the
 * kernel answer SYNs with RST (ECONNREFUSED), but would also give the port away to any
 * other process; the mesh keeps it.
 */
import net from 'node:net';
import type { MeshPort } from '../types.ts';
import { Backends } from './backends.ts';
import { forward } from './forward.ts';
import { listenTcp } from './listen.ts';
import type { BindFailure, PortHandle, PortSetup } from './port.ts';

export class TcpPort implements PortHandle {
  readonly backends: Backends;
  readonly stats = { accepted: 0, refused: 0, failed: 0 };
  private readonly servers: net.Server[] = [];
  private proxyProtocol = false;

  constructor(private readonly s: PortSetup) {
    this.backends = new Backends(s.clock);
  }

  async open(): Promise<BindFailure[]> {
    const failed: BindFailure[] = [];
    for (const addr of this.s.addresses) {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, this.onConnection);
      const r = await listenTcp(server, this.s.port, addr);
      if (r.ok) this.servers.push(server);
      else failed.push({ address: addr ?? '', error: r.error });
    }
    return failed;
  }

  update(p: MeshPort): void {
    this.backends.mode = p.balance;
    this.proxyProtocol = p.proxyProtocol;
    this.backends.update(p.endpoints);
  }

  private readonly onConnection = (client: net.Socket): void => {
    const b = this.backends.pick();
    if (!b) {
      this.stats.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.stats.accepted++;
    forward(client, b, {
      pick: (tried) => this.backends.pick(tried),
      proxyProtocol: this.proxyProtocol,
      connectTimeoutMs: this.s.connectTimeoutMs,
      attempts: 3,
      onFailed: () => {
        this.stats.failed++;
      },
    });
  };

  async close(): Promise<void> {
    const closing = this.servers.map((srv) => new Promise<void>((r) => srv.close(() => r())));
    this.backends.closeAll();
    await Promise.all(closing);
  }
}
