/**
 * This node's identity: its key and certificate (CN node id, OU role, O cluster) and the
 * swarm's root, kept in `<data dir>/certificates` and served to everything that speaks TLS
 * (the cluster RPC server and channels, the Raft transport) through one TlsProvider.
 * Renewal swaps the material for new connections without touching running tasks.
 */
import { join } from 'node:path';
import type { Clock } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import {
  CertificateRenewer,
  type KeyCipher,
  type NodeCert,
  type NodeCertRole,
  type NodeMaterial,
  NodeTlsStore,
  parseNodeCert,
} from '../ca/index.ts';
import { MutableTlsProvider } from '../rpc/index.ts';

export interface Material {
  rootPem: string;
  certPem: string;
  keyPem: string;
}

export class NodeIdentity {
  readonly provider: MutableTlsProvider;
  private material: Material;
  private parsed: NodeCert;
  private renewer: CertificateRenewer | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly store: NodeTlsStore,
    m: Material,
  ) {
    this.material = m;
    this.parsed = parseNodeCert(m.certPem);
    this.provider = new MutableTlsProvider({
      identity: { certPem: m.certPem, keyPem: m.keyPem },
      rootsPem: m.rootPem,
    });
  }

  static dir(dataDir: string): string {
    return join(dataDir, 'certificates');
  }

  /** The identity saved in `dataDir`, or null for a node in no swarm. */
  static async load(dataDir: string, cipher: KeyCipher | null = null): Promise<NodeIdentity | null> {
    const store = new NodeTlsStore(NodeIdentity.dir(dataDir), { cipher });
    const root = await store.readRoot();
    const node = await store.readNode();
    if (!root || !node) return null;
    return new NodeIdentity(store, { rootPem: root, certPem: node.certPem, keyPem: node.keyPem });
  }

  /** Saves a new identity (swarm init or join) and returns it. */
  static async create(dataDir: string, m: Material, cipher: KeyCipher | null = null): Promise<NodeIdentity> {
    const store = new NodeTlsStore(NodeIdentity.dir(dataDir), { cipher });
    await store.writeRoot(m.rootPem);
    await store.writeNode({ certPem: m.certPem, keyPem: m.keyPem });
    return new NodeIdentity(store, m);
  }

  get cert(): NodeCert {
    return this.parsed;
  }

  get nodeId(): string {
    return this.parsed.nodeId;
  }

  get clusterId(): string {
    return this.parsed.clusterId;
  }

  get role(): NodeCertRole | null {
    return this.parsed.role;
  }

  get current(): Material {
    return this.material;
  }

  /** Raft transport form of the material. */
  tls(): { key: string; cert: string; ca: string } {
    return { key: this.material.keyPem, cert: this.material.certPem, ca: this.material.rootPem };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Renews at 50-80% of the lifetime (and on demand), through `renew`. */
  startRenewal(opts: { clock: Clock; rng: Rng; logger: Logger; renew: () => Promise<NodeMaterial> }): void {
    this.renewer?.dispose();
    const r = new CertificateRenewer({
      clock: opts.clock,
      rng: opts.rng,
      certPem: this.material.certPem,
      renew: opts.renew,
      logger: opts.logger,
    });
    r.subscribe((e) => {
      if (e.kind === 'renewed') {
        void this.replace(e.material).catch((err: unknown) =>
          opts.logger.error({ err: (err as Error).message }, 'could not save the renewed certificate'),
        );
      } else {
        opts.logger.warn({ err: String(e.error), retryInMs: e.retryInMs }, 'certificate renewal failed');
      }
    });
    r.start();
    this.renewer = r;
  }

  /** Asks for a certificate of `role` now (promotion, demotion) and keeps asking until it comes. */
  renewForRole(role: NodeCertRole): void {
    this.renewer?.setExpectedRole(role);
    this.renewer?.renewNow();
  }

  async replace(m: NodeMaterial): Promise<void> {
    await this.store.writeNode({ certPem: m.certPem, keyPem: m.keyPem });
    this.material = { ...this.material, certPem: m.certPem, keyPem: m.keyPem };
    this.parsed = parseNodeCert(m.certPem);
    this.provider.setIdentity({ certPem: m.certPem, keyPem: m.keyPem });
    for (const l of [...this.listeners]) l();
  }

  dispose(): void {
    this.renewer?.dispose();
    this.renewer = undefined;
  }
}
