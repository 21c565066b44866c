/**
 * SessionLink: what the session protocol needs of a transport, and nothing more. One link
 * is one ordered, bidirectional connection between an agent and a manager (a gRPC stream
 * later; memlink.ts in tests and the simulator). Messages arrive in the order sent, or the
 * link breaks; a message sent on a broken link is lost (the protocol recovers: a new
 * session re-reports every status and gets a COMPLETE set of assignments).
 *
 *   agent ── SessionDialer.dial(addr) ──▶ AgentLink ═══════ DispatcherLink ──▶ Dispatcher.accept
 *
 * Expected failures are values: dial resolves {ok: false} when the manager is gone or
 * unreachable; a link that breaks calls its handler's onClose once.
 */
import type { ShoalError } from '../../base/errors.ts';
import type { AgentMessage, DispatcherMessage } from './protocol.ts';

/** Who is at the other end, as the transport knows it. */
export interface LinkPeer {
  /** The remote address (the node's address, recorded as Node.Status.Addr). */
  addr: string;
  /** The node id proven by the transport (a certificate), when it authenticates. */
  nodeId?: string;
}

export interface LinkHandler<In> {
  onMessage(msg: In): void;
  /** The link broke or the other end closed it; called at most once, never after close(). */
  onClose(reason: string): void;
}

export interface SessionLink<In, Out> {
  readonly remote: LinkPeer;
  /** Messages received before a handler is attached are held for it. */
  attach(handler: LinkHandler<In>): void;
  /** Sends in order; false (and the message dropped) once the link is closed. */
  send(msg: Out): boolean;
  /** Closes this end; the other end's onClose follows the messages already sent. */
  close(): void;
  readonly closed: boolean;
}

/** The agent's end: receives dispatcher messages, sends agent messages. */
export type AgentLink = SessionLink<DispatcherMessage, AgentMessage>;
/** The dispatcher's end. */
export type DispatcherLink = SessionLink<AgentMessage, DispatcherMessage>;

export type DialResult = { ok: true; link: AgentLink } | { ok: false; error: ShoalError };

export interface SessionDialer {
  /** Connects to the manager at `addr`. */
  dial(addr: string): Promise<DialResult>;
}

/** Where a manager's transport hands the links it accepts (Dispatcher has it). */
export interface SessionAcceptor {
  accept(link: DispatcherLink): void;
}
