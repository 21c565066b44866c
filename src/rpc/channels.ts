/**
 * RpcChannels: this node's connections to managers' cluster RPC servers, one gRPC channel
 * per address, shared by every service client (dispatcher session, control forwarding,
 * logs, CA). Mutual TLS from a TlsProvider: the node's certificate (when it has one) and
 * the cluster roots; a renewed certificate is presented on the next connection.
 *
 *   dial "10.0.0.5:2377" ──▶ channel (TLS name "swarm-manager", our certificate)
 *                              ├─ DispatcherClient   one Session stream
 *                              ├─ ControlClient      forwarded calls
 *                              └─ LogsClient         subscriptions
 *
 * Servers are verified against the roots, then by name: managers are dialed by address
 * but their certificates carry role names and node ids, not addresses, so the TLS name is
 * `serverName` ('swarm-manager' by default, per address if a function), then by
 * `verifyServer` (cluster id, say). A node that has no certificate yet gets channels
 * without one (only the CA service answers them); once it has joined, the daemon makes a
 * new pool, since a channel keeps the choice it was made with.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { type Logger, nullLogger } from '../base/logger.ts';
import { MANAGER_ROLE, type PeerIdentity, peerIdentity } from './identity.ts';
import { channelOptions, type RpcTuning, tuning } from './options.ts';
import { grpcCertificateProvider, type TlsProvider } from './tls.ts';

export interface RpcChannelsOptions {
  tls: TlsProvider;
  /**
   * The name servers' certificates must carry (and the SNI sent): 'swarm-manager' by
   * default; a function decides per address, undefined meaning the dialed host itself.
   */
  serverName?: string | ((addr: string) => string | undefined);
  /** Checks on a verified server certificate (null allows); a refusal fails the handshake. */
  verifyServer?: (server: PeerIdentity) => string | null;
  tuning?: Partial<RpcTuning>;
  logger?: Logger;
}

export type ClientConstructor<C> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: Partial<grpc.ClientOptions>,
) => C;

interface Entry {
  channel: grpc.Channel;
  clients: Map<unknown, unknown>;
}

export class RpcChannels {
  private readonly entries = new Map<string, Entry>();
  private readonly tuning: RpcTuning;
  private readonly log: Logger;
  private creds: grpc.ChannelCredentials | undefined;
  private closed = false;

  constructor(private readonly opts: RpcChannelsOptions) {
    this.tuning = tuning(opts.tuning);
    this.log = (opts.logger ?? nullLogger).child({ component: 'rpc-channels' });
  }

  get size(): number {
    return this.entries.size;
  }

  /** The channel to `addr` (host:port), made on first use. */
  channel(addr: string): grpc.Channel {
    return this.entry(addr).channel;
  }

  /** A service client on the channel to `addr` (one per address and client class). */
  client<C>(addr: string, ctor: ClientConstructor<C>): C {
    const e = this.entry(addr);
    let c = e.clients.get(ctor) as C | undefined;
    if (c === undefined) {
      c = new ctor(addr, this.credentials(), { channelOverride: e.channel });
      e.clients.set(ctor, c);
    }
    return c;
  }

  /** Closes the channel to `addr` (its calls fail with CANCELLED or UNAVAILABLE). */
  forget(addr: string): void {
    const e = this.entries.get(addr);
    if (e === undefined) return;
    this.entries.delete(addr);
    e.channel.close();
  }

  /**
   * Drops every connection (new calls reconnect): after a certificate renewal, so that the
   * new certificate (a new role after promotion) is what peers see.
   */
  forgetAll(): void {
    for (const addr of [...this.entries.keys()]) this.forget(addr);
  }

  close(): void {
    this.closed = true;
    for (const addr of [...this.entries.keys()]) this.forget(addr);
  }

  private entry(addr: string): Entry {
    if (this.closed) throw new Error('rpc channels closed');
    let e = this.entries.get(addr);
    if (e === undefined) {
      const name = this.serverName(addr);
      const channel = new grpc.Channel(addr, this.credentials(), channelOptions(this.tuning, name));
      e = { channel, clients: new Map() };
      this.entries.set(addr, e);
      this.log.debug({ addr, serverName: name }, 'channel opened');
    }
    return e;
  }

  private serverName(addr: string): string | undefined {
    const s = this.opts.serverName;
    if (s === undefined) return MANAGER_ROLE;
    return typeof s === 'function' ? s(addr) : s;
  }

  /**
   * One credentials object for all channels (grpc-js compares them): the CA provider, the
   * identity provider if this node has a certificate now, and the server checks.
   */
  private credentials(): grpc.ChannelCredentials {
    if (this.creds !== undefined) return this.creds;
    const provider = grpcCertificateProvider(this.opts.tls);
    const hasIdentity = this.opts.tls.current().identity !== undefined;
    const verify = this.opts.verifyServer;
    this.creds = grpc.experimental.createCertificateProviderChannelCredentials(
      provider,
      hasIdentity ? provider : null,
      {
        // Replaces node's hostname check (called with the override name when one is set).
        checkServerIdentity(host: string, cert: PeerCertificate) {
          const err = checkServerIdentity(host, cert);
          if (err !== undefined) return err;
          const refusal = verify?.(peerIdentity(cert)) ?? null;
          return refusal === null ? undefined : new Error(`server refused: ${refusal}`);
        },
      },
    );
    return this.creds;
  }
}
