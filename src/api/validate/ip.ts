/**
 * IP addresses and CIDR blocks with Go's net.ParseIP / net.ParseCIDR semantics, as swarmkit
 * uses them for IPAM subnets, ranges and gateways and for `node.ip` constraints. An address
 * is a 128-bit bigint; IPv4 is kept IPv4-mapped (::ffff:a.b.c.d), which gives Go's answers:
 * `10.0.0.1` equals `::ffff:10.0.0.1`, and an IPv4 block contains only IPv4 addresses.
 * IPv4 parts are decimal 0-255 without leading zeros (Go 1.17+); zones are refused.
 */
const V4_MAPPED = 0xffffn << 32n;

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0') || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

/** Hex groups of one side of "::" (the last may be an embedded IPv4 address). */
function groups(s: string): number[] | null {
  if (s === '') return [];
  const parts = s.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseV4(p);
      if (v4 === null) return null;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
    else return null;
  }
  return out;
}

function parseV6(s: string): bigint | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  let v = 0n;
  for (const g of [...head, ...Array<number>(fill).fill(0), ...tail]) v = (v << 16n) | BigInt(g);
  return v;
}

/** net.ParseIP: the address, or null when `s` is not one. */
export function parseIp(s: string): bigint | null {
  if (s.includes(':')) return parseV6(s);
  const v4 = parseV4(s);
  return v4 === null ? null : V4_MAPPED | v4;
}

export interface Cidr {
  /** Network address with the host bits cleared (128-bit space). */
  readonly network: bigint;
  /** Prefix length in the 128-bit space (an IPv4 /24 is 120). */
  readonly bits: number;
  /** The address as written before the prefix (ParseCIDR's first result). */
  readonly ip: bigint;
}

function masked(ip: bigint, bits: number): bigint {
  const host = BigInt(128 - bits);
  return (ip >> host) << host;
}

/** net.ParseCIDR: `10.0.0.0/8`, `2001:db8::/32`; null when malformed. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]+$/.test(len)) return null;
  const v6 = addr.includes(':');
  const n = Number(len);
  if (n > (v6 ? 128 : 32)) return null;
  const ip = parseIp(addr);
  if (ip === null) return null;
  const bits = v6 ? n : 96 + n;
  return { network: masked(ip, bits), bits, ip };
}

/** IPNet.Contains. */
export function cidrContains(c: Cidr, ip: bigint): boolean {
  return masked(ip, c.bits) === c.network;
}
