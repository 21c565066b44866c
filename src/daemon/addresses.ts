/**
 * Addresses as `docker swarm init/join` take them: `host`, `host:port` or `:port`
 * (default port 2377); an advertise address defaults to the listen host, and when that is
 * the wildcard, to this machine's one non-loopback IPv4 address (Docker refuses to guess
 * between several).
 */
import { networkInterfaces } from 'node:os';
import { ShoalError } from '../base/errors.ts';

export const CLUSTER_PORT = 2377;

export function withPort(addr: string, port = CLUSTER_PORT): string {
  const a = addr.trim();
  if (a.startsWith(':')) return `0.0.0.0${a}`;
  if (/^\[.*\]:\d+$/.test(a) || /^[^:]+:\d+$/.test(a)) return a;
  return `${a}:${port}`;
}

export function hostOf(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i).replace(/^\[|\]$/g, '');
}

export function portOf(addr: string): number {
  return Number(addr.slice(addr.lastIndexOf(':') + 1));
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The address other nodes reach this one at. */
export function advertiseAddress(listen: string, advertise: string | undefined): string {
  const port = portOf(listen);
  if (advertise && advertise.trim() !== '') return withPort(advertise, port);
  const host = hostOf(listen);
  if (!isWildcard(host)) return `${host}:${port}`;
  const candidates = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i?.address as string);
  const unique = [...new Set(candidates)];
  if (unique.length === 1) return `${unique[0]}:${port}`;
  if (unique.length === 0) return `127.0.0.1:${port}`;
  throw new ShoalError(
    'invalid_argument',
    `could not choose an IP address to advertise since this system has multiple addresses (${unique.join(' and ')})`,
  );
}
