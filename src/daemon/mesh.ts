/**
 * NodeMesh: this node's routing mesh data path, fed with the table the leader sends over
 * the node's session. The data path is chosen at the first table (user space by default;
 * nftables with `--mesh nft`, or `auto` when root with nft), every later table is applied
 * in order, a port that cannot be opened is logged with the system's words.
 *
 * Several daemons on one machine (tests, the demo) each listen on their own address only
 * (`--mesh-addr`), or their published ports would clash.
 */
import type { Logger } from '../base/logger.ts';
import type { WireMesh } from '../manager/dispatcher/protocol.ts';
import { forNode } from '../manager/mesh/publisher.ts';
import { type DataPlanePreference, type MeshDataPlane, selectDataPlane } from '../network/mesh/index.ts';

export type MeshMode = DataPlanePreference | 'off';

export interface NodeMeshOptions {
  mode: MeshMode;
  /** The ports that cannot be opened now ("8080/tcp on 0.0.0.0: listen EADDRINUSE ..."). */
  onProblems?: (problems: string[]) => void;
  /** Listen addresses of the user-space path (default: every address of the node). */
  addresses?: readonly string[];
  logger: Logger;
}

export class NodeMesh {
  private dataplane: Promise<MeshDataPlane | undefined> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly problems = new Map<string, string>();

  constructor(private readonly opts: NodeMeshOptions) {}

  /** Applies the leader's table (tables are applied in the order they arrive). */
  update(mesh: WireMesh, nodeId: string): void {
    if (this.opts.mode === 'off' || this.closed) return;
    const state = forNode(mesh, nodeId);
    this.opts.logger.debug(
      {
        ports: state.ports.map(
          (p) => `${p.protocol}/${p.port}->${p.endpoints.map((e) => `${e.host}:${e.port}`).join(',')}`,
        ),
      },
      'mesh: table',
    );
    this.queue = this.queue
      .then(async () => {
        const dp = await this.open();
        if (dp && !this.closed) await dp.apply(state);
      })
      .catch((e: unknown) => this.opts.logger.error({ err: (e as Error).message }, 'mesh: apply failed'));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const dp = await this.dataplane;
    await dp?.close();
  }

  private open(): Promise<MeshDataPlane | undefined> {
    this.dataplane ??= (async () => {
      const log = this.opts.logger;
      const { dataplane, fallback } = await selectDataPlane({
        prefer: this.opts.mode === 'off' ? 'userspace' : this.opts.mode,
        userspace: { ...(this.opts.addresses && { addresses: this.opts.addresses }), logger: log },
        onPortProblem: (p) => {
          log.error(
            { port: p.port, protocol: p.protocol, service: p.serviceId, address: p.address, err: p.message },
            'mesh: a published port could not be opened',
          );
          this.problems.set(
            `${p.port}/${p.protocol}`,
            `${p.port}/${p.protocol} of service ${p.serviceId}: ${p.message}`,
          );
          this.opts.onProblems?.([...this.problems.values()]);
        },
        onPortRecovered: (p) => {
          log.info({ port: p.port, protocol: p.protocol }, 'mesh: published port open');
          if (this.problems.delete(`${p.port}/${p.protocol}`))
            this.opts.onProblems?.([...this.problems.values()]);
        },
      });
      if (fallback) log.warn({ reason: fallback }, 'mesh: nftables unavailable, using the user-space proxy');
      log.info({ dataplane: dataplane.kind }, 'mesh: data path ready');
      return dataplane;
    })();
    return this.dataplane;
  }
}
