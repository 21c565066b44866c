/**
 * EventLog: a ready-made event source for Backend.events(). It keeps the last 256 events
 * (moby's events service keeps as many, which is what `docker events --since` can replay)
 * and hands later ones to subscribers synchronously. `followStore` feeds it the swarm
 * events of a manager's store; the daemon can publish its own (daemon, node-local) too.
 */
import type { Clock } from '../base/clock.ts';
import type { MemoryStore } from '../store/index.ts';
import type { EventMessage, EventSubscription } from './backend.ts';
import { storeEventsToMessages } from './mappers/events.ts';

export const EVENTS_KEPT = 256;

export class EventLog {
  private readonly kept: EventMessage[] = [];
  private listeners: Array<(m: EventMessage) => void> = [];

  constructor(private readonly limit = EVENTS_KEPT) {}

  publish(m: EventMessage): void {
    this.kept.push(m);
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
    for (const l of this.listeners) l(m);
  }

  subscribe(listener: (m: EventMessage) => void): EventSubscription {
    this.listeners = [...this.listeners, listener];
    return {
      past: [...this.kept],
      close: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  }

  get subscribers(): number {
    return this.listeners.length;
  }

  /** Publishes the store's swarm events from now on; returns the unsubscribe. */
  followStore(store: MemoryStore, clock: Clock): () => void {
    return store.subscribe((events) => {
      for (const m of storeEventsToMessages(events, clock.wallNow())) this.publish(m);
    });
  }
}
