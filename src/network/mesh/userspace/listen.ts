/**
 * Binding a published port. No address given means every address of the node: one
 * dual-stack socket on `::` (IPv4 clients appear as ::ffff:a.b.c.d), or `0.0.0.0` on a
 * host without IPv6. Errors are returned, never thrown: the caller reports them.
 */
import dgram from 'node:dgram';
import { isIPv6, type Server } from 'node:net';

const NO_V6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL']);

export type BindResult = { ok: true } | { ok: false; error: NodeJS.ErrnoException };

export function listenTcp(server: Server, port: number, host: string | undefined): Promise<BindResult> {
  const attempt = (h: string, ipv6Only: boolean): Promise<BindResult> =>
    new Promise((resolve) => {
      const onError = (error: NodeJS.ErrnoException): void => resolve({ ok: false, error });
      server.once('error', onError);
      server.listen({ port, host: h, ipv6Only, backlog: 1024 }, () => {
        server.off('error', onError);
        resolve({ ok: true });
      });
    });
  if (host) return attempt(host, false);
  return attempt('::', false).then((r) =>
    !r.ok && NO_V6.has(r.error.code ?? '') ? attempt('0.0.0.0', false) : r,
  );
}

export function bindUdp(
  port: number,
  host: string | undefined,
): Promise<{ socket?: dgram.Socket } & BindResult> {
  const attempt = (h: string): Promise<{ socket?: dgram.Socket } & BindResult> =>
    new Promise((resolve) => {
      const socket = dgram.createSocket({ type: isIPv6(h) ? 'udp6' : 'udp4', ipv6Only: false });
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        resolve({ ok: false, error });
      };
      socket.once('error', onError);
      socket.bind({ port, address: h, exclusive: true }, () => {
        socket.off('error', onError);
        resolve({ ok: true, socket });
      });
    });
  if (host) return attempt(host);
  return attempt('::').then((r) => (!r.ok && NO_V6.has(r.error.code ?? '') ? attempt('0.0.0.0') : r));
}
