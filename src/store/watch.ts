/**
 * Watching the store. After each applied entry, every subscriber is called, in
 * subscription order, with that entry's events (those its filter keeps), in the order
 * the entry applied them. Delivery is synchronous and happens on every member, leader or
 * follower, as entries apply: a listener should only note the events and return (it can
 * read the store, which already reflects the whole entry; a write it starts is applied
 * later, after this entry's delivery is over).
 *
 * WatchQueue adapts a subscription to an async iterator for loops like
 *   for await (const events of store.watch({ tables: ['tasks'] })) ...
 * with an optional bound: a consumer that falls too far behind gets an error instead of
 * an ever-growing queue.
 */
import { ShoalError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { EventFilter, StoreEvent, StoreListener } from './types.ts';

interface Subscriber {
  listener: StoreListener;
  filter: EventFilter | undefined;
}

export function matches(f: EventFilter | undefined, e: StoreEvent): boolean {
  if (!f) return true;
  if (f.tables && !f.tables.includes(e.table)) return false;
  if (f.kinds && !f.kinds.includes(e.kind)) return false;
  return f.match ? f.match(e) : true;
}

export class Watchers {
  private subs: Subscriber[] = [];

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.subs.length;
  }

  subscribe(listener: StoreListener, filter?: EventFilter): () => void {
    const sub: Subscriber = { listener, filter };
    this.subs = [...this.subs, sub];
    return () => {
      this.subs = this.subs.filter((s) => s !== sub);
    };
  }

  publish(events: StoreEvent[]): void {
    if (events.length === 0) return;
    for (const s of this.subs) {
      const mine = s.filter ? events.filter((e) => matches(s.filter, e)) : events;
      if (mine.length === 0) continue;
      try {
        s.listener(mine);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'store: a watch listener threw; it stays subscribed');
      }
    }
  }
}

export interface WatchOptions {
  /** Most undelivered entries kept; past it the iterator fails (default: unbounded). */
  maxPending?: number;
}

export class WatchQueue implements AsyncIterableIterator<StoreEvent[]> {
  private readonly queue: StoreEvent[][] = [];
  private waiter: ((r: IteratorResult<StoreEvent[]>) => void) | undefined;
  private done = false;
  private error: Error | undefined;
  private unsubscribe: () => void = () => {};

  constructor(private readonly opts: WatchOptions = {}) {}

  /** The listener to subscribe; `unsubscribe` is called when the iterator closes. */
  attach(subscribe: (l: StoreListener) => () => void): this {
    this.unsubscribe = subscribe((events) => this.push(events));
    return this;
  }

  get pending(): number {
    return this.queue.length;
  }

  private push(events: StoreEvent[]): void {
    if (this.done) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: events, done: false });
      return;
    }
    this.queue.push(events);
    if (this.opts.maxPending !== undefined && this.queue.length > this.opts.maxPending) {
      this.fail(new ShoalError('unavailable', 'store watch: the consumer fell behind; watch again'));
    }
  }

  /** Only called with no next() waiting (events queue only then). */
  private fail(e: Error): void {
    this.error = e;
    this.queue.length = 0;
    this.close();
  }

  next(): Promise<IteratorResult<StoreEvent[]>> {
    const head = this.queue.shift();
    if (head) return Promise.resolve({ value: head, done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<StoreEvent[]>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stops watching; a pending next() resolves as done. */
  close(): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
