/**
 * The kernel path's whole table, rendered from the mesh state as ONE nft transaction:
 *
 *   add table ip shoal-mesh; delete table ip shoal-mesh; table ip shoal-mesh { … }
 *
 * `nft -f -` applies a file atomically, so packets see the old table or the new one, never
 * a half. Existing connections keep their NAT binding (conntrack), whatever the rules.
 *
 *   nat prerouting (remote clients) ─┐ fib daddr type local (or the given addresses)
 *   nat output (local clients) ──────┴─► l4proto . dport vmap @ports ─► goto p-tcp-8080:
 *        ct mark |= M; dnat to numgen inc mod N map { 0: ep0, 1: ep1, … }  (round-robin)
 *   nat postrouting: marked, leaving from 127.0.0.0/8 ─► masquerade (route_localnet)
 *                    marked, toward a remote endpoint (@remote) ─► masquerade
 *                    (local endpoints keep the client's address)
 *   filter input/forward/output ─► expire: marked flows of an endpoint past its drain
 *        deadline (@expired): client side reset (tcp) or dropped
 *   filter input: a published port with no endpoint (@empty), not DNATed ─► reject
 *        (tcp reset / icmp port unreachable): refused at once
 */
import type { MeshPort, MeshProtocol } from '../types.ts';

export interface RulesetInput {
  table: string;
  /** The conntrack mark bit(s) set on the mesh's flows. */
  ctMark: number;
  /** Published ports; only IPv4 endpoints are used (the table is `ip`). */
  ports: readonly MeshPort[];
  /** Endpoints whose drain deadline passed while still in conntrack. */
  expired: ReadonlyArray<{ host: string; protocol: MeshProtocol; port: number }>;
  /** Destination addresses that count as the node's; default every local address. */
  addresses?: readonly string[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function isV4(host: string): boolean {
  return IPV4.test(host);
}

export function chainName(p: { protocol: MeshProtocol; port: number }): string {
  return `p-${p.protocol}-${p.port}`;
}

export function renderRuleset(i: RulesetInput): string {
  const mark = `0x${i.ctMark.toString(16)}`;
  const marked = `ct mark & ${mark} == ${mark}`;
  const local = i.addresses?.length ? `ip daddr { ${i.addresses.join(', ')} }` : 'fib daddr type local';
  const portChains: string[] = [];
  const vmap: string[] = [];
  const empty: string[] = [];
  const remote = new Set<string>();
  for (const p of i.ports) {
    const eps = p.endpoints.filter((e) => isV4(e.host));
    if (eps.length === 0) {
      empty.push(`${p.protocol} . ${p.port}`);
      continue;
    }
    const targets = eps.map((e, n) => `${n} : ${e.host} . ${e.port}`).join(', ');
    for (const e of eps) if (!e.local) remote.add(`${e.host} . ${p.protocol} . ${e.port}`);
    portChains.push(
      `  chain ${chainName(p)} {`,
      `    ct mark set ct mark or ${mark}`,
      `    meta l4proto ${p.protocol} dnat ip to numgen inc mod ${eps.length} map { ${targets} }`,
      '  }',
    );
    vmap.push(`${p.protocol} . ${p.port} : goto ${chainName(p)}`);
  }
  const expired = i.expired.filter((e) => isV4(e.host)).map((e) => `${e.host} . ${e.protocol} . ${e.port}`);
  const t = i.table;
  return [
    `add table ip ${t}`,
    `delete table ip ${t}`,
    `table ip ${t} {`,
    set('ports', 'inet_proto . inet_service : verdict', vmap, 'map'),
    set('empty', 'inet_proto . inet_service', empty),
    set('remote', 'ipv4_addr . inet_proto . inet_service', [...remote].sort()),
    set('expired', 'ipv4_addr . inet_proto . inet_service', expired),
    ...portChains,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ${local} meta l4proto . th dport vmap @ports`,
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    `    ${local} meta l4proto . th dport vmap @ports`,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ${marked} ip saddr 127.0.0.0/8 oifname != "lo" masquerade`,
    `    ${marked} ip daddr . meta l4proto . th dport @remote masquerade`,
    '  }',
    '  chain expire {',
    `    ${marked} ct direction original ip daddr . meta l4proto . th dport @expired meta l4proto tcp reject with tcp reset`,
    `    ${marked} ct direction original ip daddr . meta l4proto . th dport @expired drop`,
    // Replies are dropped, except the resets sent above (they leave as replies).
    `    ${marked} ct direction reply ip saddr . meta l4proto . th sport @expired meta l4proto udp drop`,
    `    ${marked} ct direction reply ip saddr . meta l4proto . th sport @expired tcp flags & rst == 0 drop`,
    '  }',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    '    jump expire',
    '    ct status dnat accept',
    `    ${local} meta l4proto . th dport @empty meta l4proto tcp reject with tcp reset`,
    `    ${local} meta l4proto . th dport @empty reject`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    '    jump expire',
    '  }',
    '  chain output-filter {',
    '    type filter hook output priority filter; policy accept;',
    '    jump expire',
    '  }',
    '}',
    '',
  ].join('\n');
}

function set(name: string, type: string, elements: string[], kind: 'set' | 'map' = 'set'): string {
  const body = elements.length ? ` elements = { ${elements.join(', ')} };` : '';
  return `  ${kind} ${name} { type ${type};${body} }`;
}

/** Removes the table (`add` first, so it succeeds when the table is absent). */
export function renderDelete(table: string): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
