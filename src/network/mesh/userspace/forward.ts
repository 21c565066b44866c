/**
 * One proxied TCP connection: client socket <-> task socket, bytes moved as they come.
 *
 *   accepted ─► connect to the chosen endpoint (noDelay); the client is not read meanwhile
 *     connect fails (refused, timeout) ─► next endpoint (up to `attempts`), else RST
 *     connected ─► [PROXY v2 header] ─► pump both ways with backpressure (write() false
 *                  pauses the source until 'drain'); FIN is forwarded as FIN (half-close)
 *     an error on one side (RST, EPIPE) ─► the other side is reset too
 *
 * No per-byte work: chunks are handed from one socket to the other as they are.
 */
import net from 'node:net';
import type { Backend } from './backends.ts';
import { encodeProxyV2 } from './proxy-v2.ts';

export interface ForwardOptions {
  /** Picks the next endpoint, never one of `tried`; undefined when none is left. */
  pick(tried: ReadonlySet<Backend>): Backend | undefined;
  proxyProtocol: boolean;
  connectTimeoutMs: number;
  attempts: number;
  onFailed?: (client: net.Socket, err: Error) => void;
}

export function forward(client: net.Socket, first: Backend, o: ForwardOptions): void {
  const tried = new Set<Backend>();
  let clientGone = false;
  const onClientGone = (): void => {
    clientGone = true;
  };
  client.once('close', onClientGone);
  client.on('error', () => {}); // surfaced through 'close'; avoids an unhandled 'error'

  const attempt = (b: Backend): void => {
    tried.add(b);
    const up = net.connect({ host: b.ep.host, port: b.ep.port, noDelay: true, allowHalfOpen: true });
    const untrack = b.track({ close: () => closeBoth(client, up) });
    const timer = setTimeout(() => up.destroy(new Error('connect timeout')), o.connectTimeoutMs);
    const onConnectError = (err: Error): void => {
      clearTimeout(timer);
      untrack();
      up.destroy();
      if (clientGone) return;
      const next = tried.size < o.attempts ? o.pick(tried) : undefined;
      if (next) {
        attempt(next);
        return;
      }
      o.onFailed?.(client, err);
      client.resetAndDestroy();
    };
    up.once('error', onConnectError);
    up.once('connect', () => {
      clearTimeout(timer);
      up.off('error', onConnectError);
      client.off('close', onClientGone);
      if (clientGone) {
        untrack();
        up.destroy();
        return;
      }
      if (o.proxyProtocol) {
        up.write(
          encodeProxyV2({
            srcHost: client.remoteAddress ?? '',
            srcPort: client.remotePort ?? 0,
            dstHost: client.localAddress ?? '',
            dstPort: client.localPort ?? 0,
            transport: 'tcp',
          }),
        );
      }
      splice(client, up, untrack);
    });
  };
  attempt(first);
}

/** Moves bytes both ways until both sides are done; errors reset the other side. */
function splice(a: net.Socket, b: net.Socket, done: () => void): void {
  pump(a, b);
  pump(b, a);
  let closed = 0;
  const onClose = (): void => {
    if (++closed === 2) done();
  };
  a.once('close', onClose);
  b.once('close', onClose);
  a.on('error', () => resetIfOpen(b));
  b.on('error', () => resetIfOpen(a));
}

function pump(src: net.Socket, dst: net.Socket): void {
  src.on('data', (chunk: Buffer) => {
    if (!dst.write(chunk)) src.pause();
  });
  dst.on('drain', () => src.resume());
  src.on('end', () => dst.end());
}

/**
 * RST when the socket is fully open; a plain destroy otherwise. (Node 20's
 * resetAndDestroy on a socket already shutting down its write side fails to close the
 * handle and left the process spinning: seen in the tests, hence the guard.)
 */
function resetIfOpen(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.readyState === 'open' && !s.writableEnded) s.resetAndDestroy();
  else s.destroy();
}

function closeBoth(a: net.Socket, b: net.Socket): void {
  resetIfOpen(a);
  resetIfOpen(b);
}
