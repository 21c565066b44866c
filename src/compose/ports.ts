/**
 * The short port syntax (`80`, `8080:80`, `8080:80/udp`, `127.0.0.1:8080:80`,
 * `8000-8001:80-81`) expanded to long entries, as the docker CLI's loader does: one entry per
 * container port, mode `ingress`, protocol spelled out, ordered by `port/proto` text. A host
 * address is dropped (a swarm service listens on every node).
 */
import { ComposeError, type PortConfig } from './types.ts';

function range(s: string, what: string, spec: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (m === null) throw new ComposeError(`Invalid ${what}: ${spec}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > 65535 || hi > 65535 || hi < lo) throw new ComposeError(`Invalid ${what}: ${spec}`);
  return [lo, hi];
}

export function parsePortSpec(spec: string): PortConfig[] {
  let rest = spec;
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
    if (!['tcp', 'udp', 'sctp'].includes(protocol)) throw new ComposeError(`Invalid proto: ${protocol}`);
  }
  // [ip:]host:container, where ip may be a bracketed IPv6 address.
  let container = rest;
  let host = '';
  const last = rest.lastIndexOf(':');
  if (last >= 0) {
    container = rest.slice(last + 1);
    const before = rest.slice(0, last);
    const hostColon = before.startsWith('[')
      ? before.indexOf(':', before.indexOf(']'))
      : before.lastIndexOf(':');
    host = hostColon >= 0 ? before.slice(hostColon + 1) : before;
  }
  if (container === '') throw new ComposeError(`No port specified: ${spec}<empty>`);
  const [clo, chi] = range(container, 'containerPort', container);
  let hlo = 0;
  let hhi = 0;
  if (host !== '') {
    [hlo, hhi] = range(host, 'hostPort', host);
    if (chi - clo !== hhi - hlo) {
      throw new ComposeError(
        `Invalid ranges specified for container and host Ports: ${container} and ${host}`,
      );
    }
  }
  const out: Array<PortConfig & { key: string }> = [];
  for (let p = clo; p <= chi; p++) {
    out.push({
      key: `${p}/${protocol}`,
      mode: 'ingress',
      target: p,
      published: host === '' ? 0 : hlo + (p - clo),
      protocol,
    });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map(({ key: _key, ...p }) => p);
}
