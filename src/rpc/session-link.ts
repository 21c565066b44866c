/**
 * What both ends of a session link over a gRPC stream share (link.ts's contract):
 * messages received before a handler is attached are held for it; onClose is called at
 * most once and never after close(); send() on a closed link returns false and drops the
 * message. Subclasses say how to write a message and how to end their side of the call.
 */
import type { Logger } from '../base/logger.ts';
import type { LinkHandler, LinkPeer, SessionLink } from '../manager/dispatcher/link.ts';

export abstract class StreamLink<In, Out> implements SessionLink<In, Out> {
  closed = false;
  private handler: LinkHandler<In> | undefined;
  private inbox: In[] | undefined;
  private pendingClose: string | undefined;

  constructor(
    readonly remote: LinkPeer,
    protected readonly log: Logger,
  ) {}

  attach(handler: LinkHandler<In>): void {
    this.handler = handler;
    const inbox = this.inbox;
    this.inbox = undefined;
    for (const m of inbox ?? []) if (this.handler === handler) this.deliver(handler, m);
    if (this.pendingClose !== undefined) this.notifyClose(this.pendingClose);
  }

  send(msg: Out): boolean {
    if (this.closed) return false;
    this.write(msg);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.endStream(undefined);
  }

  /** A message arrived from the other end. */
  protected received(m: In): void {
    if (this.closed) return;
    if (this.handler) {
      this.deliver(this.handler, m);
      return;
    }
    this.inbox ??= [];
    this.inbox.push(m);
  }

  /** The other end closed, or the call failed: end ours, tell the handler. */
  protected remoteClosed(reason: string, failure?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.endStream(failure);
    this.notifyClose(reason);
  }

  protected abstract write(msg: Out): void;
  /** Ends this side of the call: cleanly, or failing it with `failure`. */
  protected abstract endStream(failure: string | undefined): void;

  private deliver(h: LinkHandler<In>, m: In): void {
    try {
      h.onMessage(m);
    } catch (e) {
      this.log.error({ error: String(e), stack: (e as Error).stack }, 'session handler threw; link closed');
      this.remoteClosed(`handler failed: ${(e as Error).message}`, 'internal error');
    }
  }

  private notifyClose(reason: string): void {
    const h = this.handler;
    if (h === undefined) {
      this.pendingClose = reason;
      return;
    }
    this.pendingClose = undefined;
    h.onClose(reason);
  }
}
