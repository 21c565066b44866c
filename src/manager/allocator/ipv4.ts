/**
 * IPv4 addresses as unsigned 32-bit numbers, the form the allocator's bitmaps index. Specs
 * (subnets, ranges, gateways) are parsed with the validation layer's Go-compatible parser
 * (src/api/validate/ip.ts) and converted here; addresses the allocator wrote itself
 * (`10.0.1.7/24` in VirtualIPs and NetworksAttachments) take a fast path when rebuilt.
 * IPv6 is recognised and refused by the callers: Shoal allocates IPv4 subnets only.
 */
import { parseCidr, parseIp } from '../../api/validate/ip.ts';

const LOW32 = 0xffffffffn;

export interface V4Block {
  /** Network address (host bits cleared). */
  readonly base: number;
  readonly prefix: number;
}

export type ParsedBlock = ({ kind: 'v4' } & V4Block) | { kind: 'v6' } | { kind: 'invalid' };

/** A CIDR block from a spec: IPv4, IPv6 (not allocatable here) or invalid. */
export function parseBlock(s: string): ParsedBlock {
  const c = parseCidr(s);
  if (!c) return { kind: 'invalid' };
  if (c.network >> 32n !== 0xffffn) return { kind: 'v6' };
  return { kind: 'v4', base: Number(c.network & LOW32), prefix: c.bits - 96 };
}

/** An IPv4 address from a spec (Go's ParseIP), or null. */
export function parseV4(s: string): number | null {
  const ip = parseIp(s);
  if (ip === null || ip >> 32n !== 0xffffn) return null;
  return Number(ip & LOW32);
}

/** `10.0.1.7/24` or `10.0.1.7` as written by the allocator; null when it is not that form. */
export function parseAddr(s: string): number | null {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46 /* . */ || c === 47 /* / */) {
      if (digits === 0) return null;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      if (c === 47) return dots === 3 && /^(?:[0-9]|[12][0-9]|3[0-2])$/.test(s.slice(i + 1)) ? n : null;
      if (++dots > 3) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return n * 256 + part;
}

export function formatV4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function formatBlock(b: V4Block): string {
  return `${formatV4(b.base)}/${b.prefix}`;
}

/** Addresses in a block of this prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The last address of a block. */
export function blockEnd(b: V4Block): number {
  return b.base + blockSize(b.prefix) - 1;
}
