/**
 * The TLS connections of a ClusterRpcServer, seen from below grpc-js.
 *
 * Two things grpc-js 1.14.7 does not do for us:
 * 1. "Verify a client certificate if one is given" (Go's VerifyClientCertIfGiven, which
 *    swarmkit uses): node:tls with requestCert and rejectUnauthorized=false completes the
 *    handshake whatever the client presents, and grpc-js then hides the certificate
 *    (getAuthContext() is empty for an unauthorized socket), so a certificate from another
 *    CA, or an expired one, would look like no certificate at all and still reach the CA
 *    service. Here such a connection is destroyed as soon as its handshake completes,
 *    before any HTTP/2 frame is read: the client sees UNAVAILABLE.
 * 2. Closing every connection: with channelz disabled, Server.forceShutdown() does not see
 *    the open sessions. The sockets are tracked here and destroyed if a graceful shutdown
 *    hangs.
 *
 * Both need the http2 servers grpc-js creates in bindAsync, which it keeps in a private
 * field (`http2Servers`). Should a grpc-js upgrade rename it, attach() says so (the server
 * logs it and close-and-refuse tests fail) and calls are still safe: the gate treats an
 * unverified certificate as none.
 */
import type { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.ts';

export class ServerSockets {
  private readonly sockets = new Set<TLSSocket>();
  readonly stats = { accepted: 0, refusedAtTls: 0 };

  constructor(private readonly log: Logger) {}

  get open(): number {
    return this.sockets.size;
  }

  /** Hooks the http2 servers of `server` (after bindAsync); false if grpc-js hides them. */
  attach(server: grpc.Server): boolean {
    const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
    if (!(servers instanceof Map) || servers.size === 0) return false;
    for (const h of servers.keys()) h.on('secureConnection', (s: TLSSocket) => this.onConnection(s));
    return true;
  }

  /** Destroys every connection still open. */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private onConnection(socket: TLSSocket): void {
    if (!socket.authorized && socket.getPeerCertificate()?.raw !== undefined) {
      this.stats.refusedAtTls++;
      const cert = socket.getPeerCertificate();
      this.log.warn(
        {
          remote: `${socket.remoteAddress}:${socket.remotePort}`,
          subject: cert.subject?.CN,
          issuer: cert.issuer?.CN,
          reason: String(socket.authorizationError),
        },
        'client certificate refused at TLS',
      );
      socket.destroy();
      return;
    }
    this.stats.accepted++;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}
