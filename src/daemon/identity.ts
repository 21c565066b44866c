/**
 * This node's identity: its key and certificate (CN node id, OU role, O cluster) and the
 * swarm's root, kept in `<data dir>/certificates` and served to everything that speaks TLS
 * (the cluster RPC server and channels, the Raft transport) through one TlsProvider.
 * Renewal swaps the material for new connections without touching running tasks.
 *
 * During a root rotation the node trusts two roots: the swarm's (kept on disk, reported
 * as TrustRoot) and the one being rotated to (in memory only: a node restarted during a
 * rotation learns it again from its first session). When the rotation completes the new
 * root replaces the old one on disk and alone is trusted.
 */
import { join } from 'node:path';
import type { Clock } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import {
  CertificateRenewer,
  type IssuerInfo,
  issuerOfChain,
  type KeyCipher,
  type NodeCert,
  type NodeCertRole,
  type NodeMaterial,
  type NodeTlsInfo,
  NodeTlsStore,
  parseNodeCert,
  sameIssuer,
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
  /** The root being rotated to, trusted along with the swarm's root. */
  private next: string | undefined;
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

  /** The roots peers are verified against: the swarm's, and the next one during a rotation. */
  trustRoots(): string[] {
    return this.next ? [this.material.rootPem, this.next] : [this.material.rootPem];
  }

  private bundle(): string {
    return this.trustRoots()
      .map((p) => (p.endsWith('\n') ? p : `${p}\n`))
      .join('');
  }

  /** Raft transport form of the material. */
  tls(): { key: string; cert: string; ca: string } {
    return { key: this.material.keyPem, cert: this.material.certPem, ca: this.bundle() };
  }

  /** The issuer of this node's certificate, or undefined if no trusted root or intermediate signed it. */
  issuer(): IssuerInfo | undefined {
    try {
      return issuerOfChain(this.material.certPem, this.trustRoots());
    } catch {
      return undefined;
    }
  }

  issuedBy(want: IssuerInfo): boolean {
    return sameIssuer(this.issuer(), want);
  }

  /** Node.Description.TLSInfo: the trust root, and who issued the certificate. */
  tlsInfo(): NodeTlsInfo {
    const i = this.issuer();
    return {
      TrustRoot: this.material.rootPem,
      ...(i && { CertIssuerSubject: i.subjectBase64, CertIssuerPublicKey: i.publicKeyBase64 }),
    };
  }

  /**
   * The swarm's root CA as the leader sends it: `root` replaces the stored one when it
   * changed (a rotation completed), `next` is trusted too while a rotation is in progress.
   * Returns whether anything changed.
   */
  async setRoots(root: string, next: string | undefined): Promise<boolean> {
    if (root === this.material.rootPem && next === this.next) return false;
    if (root !== this.material.rootPem) {
      await this.store.writeRoot(root);
      this.material = { ...this.material, rootPem: root };
    }
    this.next = next;
    this.provider.setRoots(this.bundle());
    for (const l of [...this.listeners]) l();
    return true;
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

  /** Renews now (a root rotation asks every node for a certificate of the new root). */
  renewNow(): void {
    this.renewer?.renewNow();
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
