/**
 * One Engine event stream per executor (GET /events, this node's containers only), shared
 * by every controller that watches a container's health: a node with 1,000 tasks holds one
 * connection, not 1,000. Opened on the first watcher, closed after the last one leaves;
 * reopened after a drop with `since` set to the last event seen, so nothing is missed.
 */
import type Docker from 'dockerode';
import type { Clock, Timer } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { ownerFilter } from './names.ts';

export interface ContainerEvent {
  id: string;
  /** "health_status: healthy", "die", … */
  action: string;
  /** Unix seconds. */
  time: number;
}

type Listener = (e: ContainerEvent) => void;

export class EngineEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private abort: AbortController | undefined;
  private live: Promise<void> | undefined;
  private lastTime: number | undefined;
  private retry: Timer | undefined;
  private disposed = false;

  constructor(
    private readonly docker: Docker,
    private readonly owner: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` with every later event of container `id`; resolves once the stream is open. */
  async watch(id: string, listener: Listener): Promise<() => void> {
    const set = this.listeners.get(id) ?? new Set<Listener>();
    this.listeners.set(id, set);
    set.add(listener);
    const off = (): void => {
      const s = this.listeners.get(id);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(id);
      if (this.listeners.size === 0) this.close();
    };
    try {
      await this.open();
    } catch {
      // The stream reconnects by itself; the caller inspects anyway.
    }
    return off;
  }

  private open(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.live) return this.live;
    const abort = new AbortController();
    this.abort = abort;
    const filters = { type: ['container'], event: ['health_status', 'die'], ...ownerFilter(this.owner) };
    const opts: Record<string, unknown> = { filters, abortSignal: abort.signal };
    if (this.lastTime !== undefined) opts.since = String(this.lastTime);
    this.live = (this.docker.getEvents(opts) as Promise<NodeJS.ReadableStream>).then(
      (stream) => {
        void this.read(stream, abort);
      },
      (e: unknown) => {
        this.dropped(abort, e);
        throw e;
      },
    );
    return this.live;
  }

  private async read(stream: NodeJS.ReadableStream, abort: AbortController): Promise<void> {
    let buf = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        buf += chunk.toString('utf8');
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.deliver(line);
        }
      }
      this.dropped(abort);
    } catch (e) {
      this.dropped(abort, e);
    }
  }

  private deliver(line: string): void {
    let raw: { id?: string; Action?: string; status?: string; time?: number };
    try {
      raw = JSON.parse(line);
    } catch {
      return;
    }
    const id = raw.id;
    const action = raw.Action ?? raw.status;
    if (!id || !action) return;
    if (raw.time !== undefined) this.lastTime = raw.time;
    for (const l of [...(this.listeners.get(id) ?? [])]) l({ id, action, time: raw.time ?? 0 });
  }

  private dropped(abort: AbortController, e?: unknown): void {
    if (this.abort !== abort) return;
    this.abort = undefined;
    this.live = undefined;
    if (this.disposed || abort.signal.aborted || this.listeners.size === 0) return;
    this.log.warn({ err: e === undefined ? 'closed' : String(e) }, 'engine event stream dropped: reopening');
    this.retry ??= this.clock.setTimeout(() => {
      this.retry = undefined;
      if (this.listeners.size > 0) this.open().catch(() => {});
    }, 1_000);
  }

  private close(): void {
    this.lastTime = undefined;
    this.retry?.cancel();
    this.retry = undefined;
    const a = this.abort;
    this.abort = undefined;
    this.live = undefined;
    a?.abort();
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
    this.close();
  }
}
