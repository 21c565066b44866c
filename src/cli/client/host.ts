/**
 * Which daemon the CLI talks to, as docker decides: `-H/--host`, else SHOAL_HOST, else
 * DOCKER_HOST, else the default socket. `unix:///path`, `tcp://host:port` (plain HTTP;
 * TLS is not wired in the CLI yet) and a bare path are accepted.
 */
export const DEFAULT_HOST = 'unix:///var/run/shoal.sock';

export type Endpoint = { kind: 'unix'; socketPath: string } | { kind: 'tcp'; host: string; port: number };

export function chooseHost(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env.SHOAL_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

export function parseHost(h: string): Endpoint {
  if (h.startsWith('unix://')) return { kind: 'unix', socketPath: h.slice('unix://'.length) };
  if (h.startsWith('/')) return { kind: 'unix', socketPath: h };
  const m = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(h);
  if (m === null) throw new Error(`unable to parse docker host \`${h}\``);
  return { kind: 'tcp', host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 2375) };
}
