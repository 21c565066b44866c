/**
 * The manager end of sessions over gRPC: each Dispatcher.Session call becomes a
 * DispatcherLink handed to the SessionAcceptor (the Dispatcher), exactly as memlink and
 * socketlink hand theirs.
 *
 *   agent's call ─▶ gate (worker or manager certificate) ─▶ response headers ("accepted")
 *                ─▶ acceptor.accept(link{remote: {addr: observed host, nodeId: certificate CN}})
 *   AgentFrame json ─▶ link's onMessage          link.send(m) ─▶ DispatcherFrame json
 *   client ends its side ─▶ onClose("closed by peer"), our side ends OK
 *   client cancelled / connection lost ─▶ onClose("connection reset")
 *   link.close() ─▶ our side ends OK (the agent sees "closed by peer")
 *
 * The node id comes from the certificate, so a worker cannot open a session as another
 * node whatever its `open` message says (link.ts: the transport-proven id wins).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.ts';
import type { AgentFrame, DispatcherFrame, DispatcherServer } from '../gen/shoal/dispatcher/v1/dispatcher.ts';
import type { LinkPeer, SessionAcceptor } from '../manager/dispatcher/link.ts';
import type { AgentMessage, DispatcherMessage } from '../manager/dispatcher/protocol.ts';
import { peerOf } from './gate.ts';
import { decodeAgentMessage, encodeMessage } from './session-codec.ts';
import { StreamLink } from './session-link.ts';
import { peerHost, refuse } from './status.ts';

type Call = grpc.ServerDuplexStream<AgentFrame, DispatcherFrame>;

class ServerLink extends StreamLink<AgentMessage, DispatcherMessage> {
  private stopping = false;

  constructor(
    private readonly call: Call,
    remote: LinkPeer,
    log: Logger,
    private readonly ended: (l: ServerLink) => void,
  ) {
    super(remote, log);
    call.on('data', (f: AgentFrame) => {
      let m: AgentMessage;
      try {
        m = decodeAgentMessage(f.json);
      } catch (e) {
        this.log.warn({ node: remote.nodeId, error: (e as Error).message }, 'bad session frame');
        return this.remoteClosed(`bad frame: ${(e as Error).message}`, 'bad frame');
      }
      this.received(m);
    });
    call.on('end', () => this.remoteClosed('closed by peer'));
    call.on('cancelled', () => this.remoteClosed('connection reset'));
    call.on('error', (e: Error) =>
      this.remoteClosed(this.stopping ? 'manager shutting down' : `connection error: ${e.message}`),
    );
  }

  protected write(msg: DispatcherMessage): void {
    this.call.write({ json: encodeMessage(msg) });
  }

  protected endStream(failure: string | undefined): void {
    this.ended(this);
    if (this.call.cancelled || this.call.destroyed || this.call.writableEnded) return;
    if (failure === undefined) this.call.end();
    else this.call.emit('error', refuse(grpc.status.INVALID_ARGUMENT, failure));
  }

  /** The server is going away: the agent gets UNAVAILABLE (and tries another manager). */
  shutdown(): void {
    if (this.closed) return;
    this.stopping = true;
    // grpc-js ends the call with this status; our 'error' listener closes the link.
    this.call.emit('error', refuse(grpc.status.UNAVAILABLE, 'manager shutting down'));
  }
}

export interface SessionServiceImpl {
  impl: DispatcherServer;
  /** Sessions open now. */
  readonly open: number;
  /** Ends every session (UNAVAILABLE to the agents): before the server shuts down. */
  endCalls(): void;
}

export function sessionService(acceptor: SessionAcceptor, logger: Logger): SessionServiceImpl {
  const log = logger.child({ service: 'dispatcher' });
  const links = new Set<ServerLink>();
  return {
    impl: {
      session(call: Call) {
        const peer = peerOf(call);
        const remote: LinkPeer = { addr: peerHost(call.getPeer()) };
        if (peer !== undefined) remote.nodeId = peer.nodeId;
        call.sendMetadata(new grpc.Metadata());
        const link = new ServerLink(call, remote, log.child({ node: remote.nodeId }), (l) => links.delete(l));
        links.add(link);
        acceptor.accept(link);
      },
    },
    get open() {
      return links.size;
    },
    endCalls() {
      for (const l of [...links]) l.shutdown();
    },
  };
}
