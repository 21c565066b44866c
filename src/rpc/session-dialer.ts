/**
 * The agent end of sessions over gRPC: GrpcSessionDialer implements SessionDialer with
 * one Dispatcher.Session call per link, on the pool's channel to the manager (mutual TLS
 * with the node's certificate, which is what the dispatcher believes about who we are).
 *
 *   dial(addr) ── Session call ──▶ response headers: {ok: true, link}
 *                                  error status (refused, unreachable): {ok: false, error}
 *                                  nothing within connectTimeoutMs: cancelled, {ok: false}
 *   link.send(m) ─▶ AgentFrame     DispatcherFrame ─▶ link's onMessage
 *   link.close() ─▶ our side ends; the call is cancelled if the manager does not end its
 *                   side within closeGraceMs
 *   the manager ends (OK) ─▶ onClose("closed by peer"); fails ─▶ onClose(its status text)
 *
 * The link's remote.nodeId is the manager's certificate CN.
 */
import type * as grpc from '@grpc/grpc-js';
import { type Clock, realClock, type Timer } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import {
  type AgentFrame,
  DispatcherClient,
  type DispatcherFrame,
} from '../gen/shoal/dispatcher/v1/dispatcher.ts';
import type { DialResult, LinkPeer, SessionDialer } from '../manager/dispatcher/link.ts';
import type { AgentMessage, DispatcherMessage } from '../manager/dispatcher/protocol.ts';
import type { RpcChannels } from './channels.ts';
import { peerIdentity } from './identity.ts';
import { decodeDispatcherMessage, encodeMessage } from './session-codec.ts';
import { StreamLink } from './session-link.ts';
import { rpcErrorFrom } from './status.ts';

type Call = grpc.ClientDuplexStream<AgentFrame, DispatcherFrame>;

class ClientLink extends StreamLink<DispatcherMessage, AgentMessage> {
  private graceTimer: Timer | undefined;

  constructor(
    private readonly call: Call,
    remote: LinkPeer,
    log: Logger,
    private readonly clock: Clock,
    private readonly closeGraceMs: number,
  ) {
    super(remote, log);
    call.on('data', (f: DispatcherFrame) => {
      let m: DispatcherMessage;
      try {
        m = decodeDispatcherMessage(f.json);
      } catch (e) {
        this.log.warn({ error: (e as Error).message }, 'bad session frame');
        return this.remoteClosed(`bad frame: ${(e as Error).message}`, 'bad frame');
      }
      this.received(m);
    });
    call.on('end', () => this.finished('closed by peer'));
    call.on('error', (e: grpc.ServiceError) => this.finished(e.details || e.message));
  }

  protected write(msg: AgentMessage): void {
    this.call.write({ json: encodeMessage(msg) });
  }

  protected endStream(failure: string | undefined): void {
    if (failure !== undefined) {
      this.call.cancel();
      return;
    }
    if (!this.call.writableEnded) this.call.end();
    // The manager ends its side in answer; if it never does (gone silent), stop waiting.
    this.graceTimer = this.clock.setTimeout(() => this.call.cancel(), this.closeGraceMs);
  }

  private finished(reason: string): void {
    this.graceTimer?.cancel();
    this.graceTimer = undefined;
    this.remoteClosed(reason);
  }
}

export interface GrpcSessionDialerOptions {
  channels: RpcChannels;
  clock?: Clock;
  logger?: Logger;
  /** How long a dial waits for the manager to accept (default 5 s, the session's RPC timeout). */
  connectTimeoutMs?: number;
  /** After close(), how long to wait for the manager to end its side (default 5 s). */
  closeGraceMs?: number;
}

export class GrpcSessionDialer implements SessionDialer {
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: GrpcSessionDialerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? nullLogger).child({ component: 'session-dialer' });
  }

  dial(addr: string): Promise<DialResult> {
    let client: DispatcherClient;
    try {
      client = this.opts.channels.client(addr, DispatcherClient);
    } catch (e) {
      return Promise.resolve({ ok: false, error: new ShoalError('unavailable', (e as Error).message) });
    }
    const call = client.session();
    return new Promise<DialResult>((resolve) => {
      let settled = false;
      const settle = (r: DialResult): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        call.removeListener('error', onError);
        call.removeListener('end', onEnd);
        resolve(r);
      };
      const onError = (e: grpc.ServiceError): void => {
        settle({ ok: false, error: rpcErrorFrom(e, `session with ${addr}`) });
      };
      const onEnd = (): void => {
        settle({
          ok: false,
          error: new ShoalError('unavailable', `session with ${addr}: closed before accepted`),
        });
      };
      const timer = this.clock.setTimeout(() => {
        call.on('error', () => {}); // the cancellation's own error
        call.cancel();
        settle({ ok: false, error: new ShoalError('unavailable', `connection timed out: ${addr}`) });
      }, this.opts.connectTimeoutMs ?? 5_000);
      call.on('error', onError);
      call.on('end', onEnd);
      call.once('metadata', () => {
        if (settled) return;
        const remote: LinkPeer = { addr };
        const cert = call.getAuthContext()?.sslPeerCertificate;
        if (cert?.raw !== undefined) remote.nodeId = peerIdentity(cert).nodeId;
        const link = new ClientLink(
          call,
          remote,
          this.log.child({ manager: addr }),
          this.clock,
          this.opts.closeGraceMs ?? 5_000,
        );
        settle({ ok: true, link });
      });
    });
  }
}
