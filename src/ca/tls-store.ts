/**
 * NodeTlsStore: a node's TLS material in its data directory, laid out like Docker's
 * `<data-root>/swarm/certificates/`:
 *
 *   swarm-root-ca.crt   the root CA certificate, PEM exactly as received (0644)
 *   swarm-node.crt      this node's certificate (0644)
 *   swarm-node.key      this node's key, optionally sealed by the autolock KEK (0600)
 *
 * Every file is replaced atomically (atomic-file.ts). The certificate and key are written
 * in swarmkit's order (KeyReadWriter.Write) so a crash never leaves a key without its
 * certificate: new certificate to `.swarm-node.crt`, then the key, then the rename; a
 * reader that finds a key not matching `swarm-node.crt` looks for the matching
 * certificate in `.swarm-node.crt` and finishes the interrupted rename.
 *
 * Given `files: memoryFileOps()` the same code keeps everything in memory (simulation).
 */
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { type FileOps, nodeFileOps, writeFileAtomic } from './atomic-file.ts';
import { TlsStoreCorruptError } from './errors.ts';
import { decodeKeyFile, encodeKeyFile, type KeyCipher } from './key-file.ts';
import { NODE_CERT_FILE, NODE_KEY_FILE, ROOT_CA_CERT_FILE } from './names.ts';
import { publicKeyDerOf } from './pki.ts';
import { loadTrustRoot } from './root.ts';

export interface StoredNodeTls {
  certPem: string;
  /** PKCS#8 PEM without headers: ready for node:tls / grpc-js. */
  keyPem: string;
  /** Extra key-file headers kept for other subsystems (e.g. a raft DEK). */
  headers: Record<string, string>;
  /** The `kek-version` header: which KEK sealed the key (0 when none). */
  kekVersion: number;
  sealed: boolean;
}

export interface NodeTlsStoreOptions {
  /** Seals the key file (the autolock KEK); null or absent: unsealed. */
  cipher?: KeyCipher | null;
  files?: FileOps;
}

const CERT_MODE = 0o644;
const KEY_MODE = 0o600;

export class NodeTlsStore {
  private cipher: KeyCipher | null;
  private readonly files: FileOps;
  private queue: Promise<unknown> = Promise.resolve();
  readonly paths: { root: string; cert: string; key: string; pendingCert: string };

  constructor(
    readonly dir: string,
    opts: NodeTlsStoreOptions = {},
  ) {
    this.cipher = opts.cipher ?? null;
    this.files = opts.files ?? nodeFileOps;
    this.paths = {
      root: join(dir, ROOT_CA_CERT_FILE),
      cert: join(dir, NODE_CERT_FILE),
      key: join(dir, NODE_KEY_FILE),
      pendingCert: join(dir, `.${NODE_CERT_FILE}`),
    };
  }

  /** The root CA certificate as stored (verbatim), or null; corrupt content throws. */
  readRoot(): Promise<string | null> {
    return this.serial(async () => {
      const pem = await this.files.readFile(this.paths.root);
      if (pem === null) return null;
      try {
        loadTrustRoot(pem);
      } catch (e) {
        throw new TlsStoreCorruptError(`invalid root CA certificate in ${this.paths.root}`, { cause: e });
      }
      return pem;
    });
  }

  writeRoot(rootCertPem: string): Promise<void> {
    return this.serial(async () => {
      await this.files.mkdirp(this.dir, 0o755);
      await writeFileAtomic(this.files, this.paths.root, rootCertPem, CERT_MODE);
    });
  }

  /** The node's certificate and key, or null when there is no key yet. */
  readNode(): Promise<StoredNodeTls | null> {
    return this.serial(() => this.readNodeNow());
  }

  /** Stores a new certificate and key together (join, renewal, role change). */
  writeNode(m: { certPem: string; keyPem: string; headers?: Record<string, string> }): Promise<void> {
    return this.serial(async () => {
      await this.files.mkdirp(this.dir, 0o755);
      await writeFileAtomic(this.files, this.paths.pendingCert, m.certPem, CERT_MODE);
      await writeFileAtomic(
        this.files,
        this.paths.key,
        await encodeKeyFile(m.keyPem, this.cipher, m.headers),
        KEY_MODE,
      );
      await this.files.rename(this.paths.pendingCert, this.paths.cert);
      await this.files.fsyncDir(this.dir);
    });
  }

  /** Re-seals the key with `cipher` (null: unseal) and uses it from now on (KEK rotation). */
  setCipher(cipher: KeyCipher | null): Promise<void> {
    return this.serial(async () => {
      const text = await this.files.readFile(this.paths.key);
      if (text !== null) {
        const { keyPem, headers } = await decodeKeyFile(text, this.cipher);
        await writeFileAtomic(
          this.files,
          this.paths.key,
          await encodeKeyFile(keyPem, cipher, headers),
          KEY_MODE,
        );
      }
      this.cipher = cipher;
    });
  }

  /** Rewrites the key file's extra headers, leaving the key as it is. */
  updateHeaders(fn: (headers: Record<string, string>) => Record<string, string>): Promise<void> {
    return this.serial(async () => {
      const text = await this.files.readFile(this.paths.key);
      if (text === null) throw new TlsStoreCorruptError(`no key in ${this.paths.key}`);
      const { keyPem, headers } = await decodeKeyFile(text, this.cipher);
      const next = await encodeKeyFile(keyPem, this.cipher, fn({ ...headers }));
      await writeFileAtomic(this.files, this.paths.key, next, KEY_MODE);
    });
  }

  /** Removes every file (`docker swarm leave`). */
  destroy(): Promise<void> {
    return this.serial(async () => {
      for (const p of Object.values(this.paths)) await this.files.remove(p);
    });
  }

  private async readNodeNow(): Promise<StoredNodeTls | null> {
    const keyText = await this.files.readFile(this.paths.key);
    if (keyText === null) return null;
    const key = await decodeKeyFile(keyText, this.cipher);
    const want = publicKeyDerOf(key.keyPem);
    const cert = await this.files.readFile(this.paths.cert);
    if (cert !== null && matches(cert, want)) return { certPem: cert, ...key };
    // Interrupted writeNode: the matching certificate may still be in the pending file.
    const pending = await this.files.readFile(this.paths.pendingCert);
    if (pending !== null && matches(pending, want)) {
      await this.files.rename(this.paths.pendingCert, this.paths.cert);
      await this.files.fsyncDir(this.dir);
      return { certPem: pending, ...key };
    }
    throw new TlsStoreCorruptError(
      cert === null
        ? `no certificate in ${this.paths.cert}`
        : `the certificate in ${this.paths.cert} does not match the key in ${this.paths.key}`,
    );
  }

  /** One operation at a time: a renewal and a KEK rotation must not interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function matches(certPem: string, publicKeyDer: Buffer): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return cert.publicKey.export({ type: 'spki', format: 'der' }).equals(publicKeyDer);
  } catch {
    return false;
  }
}
