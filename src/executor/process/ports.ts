/**
 * Host ports for a task's target ports. A process cannot have a network namespace of its
 * own, so where a container would listen on its target port (80) a host process listens on
 * a port the node picks for it; the executor hands it over in the environment (PORT,
 * SHOAL_PORT_<target>) and reports the mapping, so the routing mesh sends a published port's
 * traffic to <node>:<assigned port>.
 *
 * Picking: ask the kernel for a free port (bind to port 0, then release it), skipping ports
 * this node already handed out; or, with a range, the first port in it that is free and not
 * handed out. The task binds it a moment later, so another program could take it first:
 * rare, and the task then fails to bind and is restarted on a new port.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PortConfig } from '../../api/service.ts';

export type Protocol = 'tcp' | 'udp' | 'sctp';

export interface PortMapping {
  protocol: Protocol;
  targetPort: number;
  /** The host port the process listens on. */
  hostPort: number;
  /** The service's published port, when it has one (routing mesh or host mode). */
  publishedPort?: number;
  /** Host mode: the process listens on the published port itself, on its node only. */
  host?: boolean;
}

/** Tries to bind `port` (0: any); resolves with the port bound, or undefined if taken. */
function probe(protocol: Protocol, port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(undefined);
      });
      s.bind(port, host, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(p));
    });
  });
}

export class PortAllocator {
  private readonly taken = new Set<string>();

  constructor(private readonly opts: { range?: [number, number]; host?: string } = {}) {}

  /** Marks ports of an adopted task as in use. */
  reserve(ports: readonly PortMapping[]): void {
    for (const p of ports) this.taken.add(`${p.protocol}/${p.hostPort}`);
  }

  release(ports: readonly PortMapping[]): void {
    for (const p of ports) this.taken.delete(`${p.protocol}/${p.hostPort}`);
  }

  /** One host port per distinct target port of `configs`. */
  async assign(configs: readonly PortConfig[]): Promise<PortMapping[]> {
    const out: PortMapping[] = [];
    const seen = new Set<string>();
    try {
      for (const c of configs) {
        const protocol = c.Protocol ?? 'tcp';
        const key = `${protocol}/${c.TargetPort}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const hostMode = c.PublishMode === 'host' && c.PublishedPort !== undefined && c.PublishedPort > 0;
        const hostPort = hostMode
          ? this.claim(protocol, c.PublishedPort as number)
          : await this.pick(protocol);
        const m: PortMapping = { protocol, targetPort: c.TargetPort, hostPort };
        if (c.PublishedPort) m.publishedPort = c.PublishedPort;
        if (hostMode) m.host = true;
        out.push(m);
      }
    } catch (e) {
      this.release(out);
      throw e;
    }
    return out;
  }

  /** A host-mode published port: the scheduler gave this node the port; this node's tasks must not share it. */
  private claim(protocol: Protocol, port: number): number {
    const key = `${protocol}/${port}`;
    if (this.taken.has(key)) throw new Error(`port ${port}/${protocol} is already in use on this node`);
    this.taken.add(key);
    return port;
  }

  private async pick(protocol: Protocol): Promise<number> {
    const host = this.opts.host ?? '0.0.0.0';
    // sctp cannot be probed from Node: its ports are picked as tcp ones.
    const probeAs = protocol === 'sctp' ? 'tcp' : protocol;
    const free = async (port: number): Promise<number | undefined> => {
      const p = await probe(probeAs, port, host);
      if (p === undefined || this.taken.has(`${protocol}/${p}`)) return undefined;
      this.taken.add(`${protocol}/${p}`);
      return p;
    };
    const range = this.opts.range;
    if (range) {
      for (let port = range[0]; port <= range[1]; port++) {
        if (this.taken.has(`${protocol}/${port}`)) continue;
        const p = await free(port);
        if (p !== undefined) return p;
      }
      throw new Error(`no free ${protocol} port in ${range[0]}-${range[1]}`);
    }
    for (let i = 0; i < 20; i++) {
      const p = await free(0);
      if (p !== undefined) return p;
    }
    throw new Error(`no free ${protocol} port`);
  }
}

/** The environment a task's process reads its ports from. */
export function portEnv(ports: readonly PortMapping[]): string[] {
  const env: string[] = [];
  const first = ports[0];
  if (first) env.push(`PORT=${first.hostPort}`);
  for (const p of ports) {
    const suffix = p.protocol === 'tcp' ? '' : `_${p.protocol.toUpperCase()}`;
    env.push(`SHOAL_PORT_${p.targetPort}${suffix}=${p.hostPort}`);
  }
  if (ports.length > 0) {
    env.push(`SHOAL_PORTS=${ports.map((p) => `${p.targetPort}/${p.protocol}=${p.hostPort}`).join(',')}`);
  }
  return env;
}
