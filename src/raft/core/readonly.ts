/**
 * ReadIndex without writing to the log. A leader that has committed an entry of its term
 * notes its commit index for each read request, sends a heartbeat carrying the request's
 * context, and releases the read once a majority acknowledges that heartbeat: at that
 * moment it is certainly still the leader, so the state at that index is linearizable.
 * A request's acknowledgement also confirms every request queued before it.
 */
import type { NodeId } from './types.ts';

export interface ReadRequest {
  index: number;
  /** Who asked: the leader itself, or a follower that forwarded its request. */
  from: NodeId;
  context: Uint8Array;
  acks: Set<NodeId>;
}

export function contextKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('hex');
}

export class ReadOnly {
  private pending = new Map<string, ReadRequest>();
  private queue: string[] = [];

  get size(): number {
    return this.queue.length;
  }

  addRequest(index: number, from: NodeId, context: Uint8Array, self: NodeId): void {
    const key = contextKey(context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, from, context, acks: new Set([self]) });
    this.queue.push(key);
  }

  /** Records an acknowledgement; returns the number of acks for that request so far. */
  recvAck(id: NodeId, context: Uint8Array): number {
    const r = this.pending.get(contextKey(context));
    if (!r) return 0;
    r.acks.add(id);
    return r.acks.size;
  }

  acks(context: Uint8Array): Set<NodeId> | undefined {
    return this.pending.get(contextKey(context))?.acks;
  }

  /** Releases the request with `context` and every request queued before it. */
  advance(context: Uint8Array): ReadRequest[] {
    const key = contextKey(context);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const keys = this.queue.splice(0, at + 1);
    const out: ReadRequest[] = [];
    for (const k of keys) {
      const r = this.pending.get(k);
      this.pending.delete(k);
      if (r) out.push(r);
    }
    return out;
  }

  lastPendingContext(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)?.context;
  }

  reset(): void {
    this.pending.clear();
    this.queue = [];
  }
}
