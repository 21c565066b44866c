/**
 * PROXY protocol version 2 (haproxy's spec, section 2.2): the binary header a proxy sends
 * first on the connection to the server, carrying the client's address. Opt-in per
 * published port (label shoal.mesh.proxy-protocol); the task must expect it.
 *
 *   12 bytes signature · 0x21 (v2, PROXY) · family/transport · 2 bytes length ·
 *   IPv4: src(4) dst(4) sport(2) dport(2)  |  IPv6: src(16) dst(16) sport(2) dport(2)
 *
 * Unknown or mixed families are sent as LOCAL (0x20, no address), which the spec allows.
 */
import { isIPv4, isIPv6 } from 'node:net';

export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

export interface ProxyAddresses {
  srcHost: string;
  srcPort: number;
  dstHost: string;
  dstPort: number;
  transport: 'tcp' | 'udp';
}

/** `::ffff:1.2.3.4` (a dual-stack socket's IPv4 client) -> `1.2.3.4`. */
export function unmapV4(host: string): string {
  return host.startsWith('::ffff:') && isIPv4(host.slice(7)) ? host.slice(7) : host;
}

export function encodeProxyV2(a: ProxyAddresses | undefined): Buffer {
  const src = a && unmapV4(a.srcHost);
  const dst = a && unmapV4(a.dstHost);
  const v4 = src !== undefined && dst !== undefined && isIPv4(src) && isIPv4(dst);
  const v6 = !v4 && src !== undefined && dst !== undefined && isIPv6(src) && isIPv6(dst);
  if (!a || (!v4 && !v6)) {
    const b = Buffer.alloc(16);
    PROXY_V2_SIGNATURE.copy(b);
    b[12] = 0x20;
    return b; // family 0, length 0
  }
  const addrLen = v4 ? 12 : 36;
  const b = Buffer.alloc(16 + addrLen);
  PROXY_V2_SIGNATURE.copy(b);
  b[12] = 0x21;
  b[13] = (v4 ? 0x10 : 0x20) | (a.transport === 'tcp' ? 0x01 : 0x02);
  b.writeUInt16BE(addrLen, 14);
  const size = v4 ? 4 : 16;
  writeAddr(b, 16, src!, v4);
  writeAddr(b, 16 + size, dst!, v4);
  b.writeUInt16BE(a.srcPort, 16 + 2 * size);
  b.writeUInt16BE(a.dstPort, 18 + 2 * size);
  return b;
}

function writeAddr(b: Buffer, at: number, host: string, v4: boolean): void {
  if (v4) {
    host.split('.').forEach((o, i) => {
      b[at + i] = Number(o);
    });
    return;
  }
  const groups = expandV6(host);
  groups.forEach((g, i) => {
    b.writeUInt16BE(g, at + 2 * i);
  });
}

/** IPv6 text -> 8 groups (handles `::` and a trailing dotted IPv4). */
export function expandV6(host: string): number[] {
  let h = host.split('%')[0]!;
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (m) {
    const o = m[2]!.split('.').map(Number);
    h = `${m[1]}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const parse = (s: string): number[] => (s ? s.split(':').map((x) => parseInt(x, 16)) : []);
  const gap = h.indexOf('::');
  if (gap < 0) return parse(h);
  const a = parse(h.slice(0, gap));
  const c = parse(h.slice(gap + 2));
  return [...a, ...new Array<number>(8 - a.length - c.length).fill(0), ...c];
}

/** Parses a header (tests, and tasks written in TypeScript); undefined if not one. */
export function decodeProxyV2(b: Buffer): { header: ProxyAddresses | 'local'; length: number } | undefined {
  if (b.length < 16 || !b.subarray(0, 12).equals(PROXY_V2_SIGNATURE)) return undefined;
  const len = b.readUInt16BE(14);
  if (b.length < 16 + len) return undefined;
  if (b[12] === 0x20) return { header: 'local', length: 16 + len };
  const fam = b[13]! >> 4;
  const transport = (b[13]! & 0x0f) === 1 ? 'tcp' : 'udp';
  const size = fam === 1 ? 4 : 16;
  const addr = (at: number): string =>
    size === 4
      ? [...b.subarray(at, at + 4)].join('.')
      : Array.from({ length: 8 }, (_, i) => b.readUInt16BE(at + 2 * i).toString(16)).join(':');
  return {
    header: {
      srcHost: addr(16),
      dstHost: addr(16 + size),
      srcPort: b.readUInt16BE(16 + 2 * size),
      dstPort: b.readUInt16BE(18 + 2 * size),
      transport,
    },
    length: 16 + len,
  };
}
