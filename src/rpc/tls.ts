/**
 * TLS material for the cluster RPC, and how it reaches grpc-js.
 *
 * A TlsProvider holds what this node presents (its certificate and key, absent while it
 * is still joining) and what it trusts (the cluster's root CA certificates). It can change
 * at run time: certificate renewal swaps the identity, root rotation the trust roots.
 * grpc-js learns of changes through its (experimental) CertificateProvider interface; the
 * server and the channels built here therefore pick up a renewed certificate for every new
 * connection, while connections already open keep the one they were made with.
 *
 *   TlsProvider.set() ──▶ listeners ──▶ grpcCertificateProvider ──(sync + setImmediate)──▶ grpc-js
 *                                            server: http2 setSecureContext (new connections)
 *                                            channels: the secure context of the next connect
 *
 * Delivery is asynchronous on purpose (and repeated synchronously for the client side):
 * grpc-js's server credentials register the provider listener before their own watcher, so
 * an update delivered inside addIdentityCertificateListener never reaches the http2 server,
 * which then drops every connection ("unloaded credentials").
 */
import * as grpc from '@grpc/grpc-js';

export interface TlsIdentity {
  /** Certificate chain, PEM, leaf first. */
  certPem: string;
  /** Private key, PEM. */
  keyPem: string;
}

export interface TlsState {
  /** What this node presents; undefined for a node that has not joined yet. */
  identity: TlsIdentity | undefined;
  /** The CA certificates peers are verified against, PEM (several during a rotation). */
  rootsPem: string;
}

export interface TlsProvider {
  current(): TlsState;
  /** Calls `listener` after every change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** A TlsProvider set by hand: the in-memory twin of the daemon's (which reads src/ca). */
export class MutableTlsProvider implements TlsProvider {
  private state: TlsState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: TlsState) {
    this.state = { ...initial };
  }

  current(): TlsState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Renewal: new connections present `identity` from now on. */
  setIdentity(identity: TlsIdentity | undefined): void {
    this.set({ ...this.state, identity });
  }

  /** Root rotation: peers are verified against `rootsPem` on new connections. */
  setRoots(rootsPem: string): void {
    this.set({ ...this.state, rootsPem });
  }

  set(next: TlsState): void {
    this.state = { ...next };
    for (const l of [...this.listeners]) l();
  }
}

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/**
 * A grpc-js CertificateProvider over a TlsProvider. It subscribes to the TlsProvider only
 * while grpc-js listens (a server bound, a channel connecting), so nothing outlives them.
 */
export function grpcCertificateProvider(tls: TlsProvider): grpc.experimental.CertificateProvider {
  const ca = new Set<CaListener>();
  const ids = new Set<IdentityListener>();
  let unsubscribe: (() => void) | undefined;

  const caUpdate = () => ({ caCertificate: Buffer.from(tls.current().rootsPem) });
  const idUpdate = () => {
    const id = tls.current().identity;
    return id ? { certificate: Buffer.from(id.certPem), privateKey: Buffer.from(id.keyPem) } : null;
  };
  const deliverCa = (l: CaListener) => {
    l(caUpdate());
    setImmediate(() => ca.has(l) && l(caUpdate()));
  };
  const deliverId = (l: IdentityListener) => {
    l(idUpdate());
    setImmediate(() => ids.has(l) && l(idUpdate()));
  };
  const watch = () => {
    if (unsubscribe === undefined && ca.size + ids.size > 0) {
      unsubscribe = tls.subscribe(() => {
        for (const l of ca) deliverCa(l);
        for (const l of ids) deliverId(l);
      });
    } else if (unsubscribe !== undefined && ca.size + ids.size === 0) {
      unsubscribe();
      unsubscribe = undefined;
    }
  };

  return {
    addCaCertificateListener(l) {
      ca.add(l);
      watch();
      deliverCa(l);
    },
    removeCaCertificateListener(l) {
      ca.delete(l);
      watch();
    },
    addIdentityCertificateListener(l) {
      ids.add(l);
      watch();
      deliverId(l);
    },
    removeIdentityCertificateListener(l) {
      ids.delete(l);
      watch();
    },
  };
}

/**
 * Server credentials: our identity from `tls`, client certificates REQUESTED and verified
 * against the roots but not REQUIRED, so a node that has no certificate yet can reach the
 * CA service (the gate refuses it everything else). A client certificate that fails
 * verification is refused at TLS by ClusterRpcServer (server-sockets.ts).
 */
export function serverCredentials(tls: TlsProvider): grpc.ServerCredentials {
  const provider = grpcCertificateProvider(tls);
  // 1.14.7's type names the first parameter the CA provider; the code uses it as the
  // identity provider (see shared/notes/ecosystem.md). One provider serves both here.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}
