/**
 * The one place the mesh touches the store: MeshFeed keeps the endpoint table in step with
 * the store's watch events and hands each new MeshState to a data path.
 *
 *   store.viewAndSubscribe ─► services, live tasks by service, nodes down   (initial view)
 *        events ───────────► mark the services touched dirty               (note, return)
 *   EndpointReports change ─► mark the task's service dirty
 *        debounce (20 ms) ──► servicePorts(dirty) ─► mergePorts ─► onState(state) if changed
 *
 * Only services touched are recomputed; a state equal to the last one is not re-sent.
 * With the 20 ms debounce plus the data path's own apply (a socket bind, one nft
 * transaction), a change reaches traffic well within the one second the mesh promises.
 */
import type { Service } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import { isTerminal } from '../../api/task-state.ts';
import type { Clock, Timer } from '../../base/clock.ts';
import { type Logger, nullLogger } from '../../base/logger.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import type { EventFilter, Stored, StoreEvent, StoreListener } from '../../store/types.ts';
import { type EndpointSource, type MeshOptions, mergePorts, servicePorts } from './endpoints.ts';
import { EMPTY_MESH, type MeshPort, type MeshState } from './types.ts';

/** The slice of MemoryStore the feed uses. */
export interface MeshStore {
  viewAndSubscribe<R>(
    fn: (tx: ReadTx) => R,
    listener: StoreListener,
    filter?: EventFilter,
  ): { result: R; unsubscribe: () => void };
}

export interface MeshFeedOptions extends Omit<MeshOptions, 'nodeDown'> {
  store: MeshStore;
  clock: Clock;
  /** Called with each new table (after start, at least once). */
  onState: (state: MeshState) => void;
  /** A source that can say when what it knows changed (EndpointReports does). */
  changes?: { onChange(listener: (taskId: string) => void): () => void };
  debounceMs?: number;
  logger?: Logger;
}

const DOWN_STATES = new Set(['down', 'unknown', 'disconnected']);

export class MeshFeed {
  private readonly services = new Map<string, Stored<Service>>();
  private readonly tasks = new Map<string, Map<string, Stored<Task>>>();
  private readonly taskService = new Map<string, string>();
  private readonly downNodes = new Set<string>();
  private readonly ports = new Map<string, { list: MeshPort[]; json: string }>();
  private readonly dirty = new Set<string>();
  private readonly opts: MeshOptions;
  private readonly log: Logger;
  private unsubscribe: Array<() => void> = [];
  private timer: Timer | undefined;
  private state: MeshState = EMPTY_MESH;
  private stopped = false;

  constructor(private readonly o: MeshFeedOptions) {
    this.opts = { ...o, nodeDown: (id) => this.downNodes.has(id) };
    this.log = o.logger ?? nullLogger;
  }

  get source(): EndpointSource {
    return this.o.source;
  }

  current(): MeshState {
    return this.state;
  }

  /** Reads the store and subscribes in one turn; the first state is sent at once. */
  start(): void {
    const { unsubscribe } = this.o.store.viewAndSubscribe(
      (tx) => {
        for (const n of tx.nodes.all()) this.noteNode(n.ID, n.Status.State);
        for (const s of tx.services.all()) this.noteService(s);
        for (const t of tx.tasks.all()) this.noteTask(t);
      },
      (events) => this.onEvents(events),
      { tables: ['services', 'tasks', 'nodes'] },
    );
    this.unsubscribe.push(unsubscribe);
    if (this.o.changes) this.unsubscribe.push(this.o.changes.onChange((id) => this.onReport(id)));
    this.flush();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  private onEvents(events: StoreEvent[]): void {
    for (const e of events) {
      if (e.table === 'services') {
        if (e.kind === 'delete') this.dropService(e.object.ID);
        else this.noteService(e.object);
      } else if (e.table === 'tasks') {
        if (e.kind === 'delete') this.dropTask(e.object);
        else this.noteTask(e.object);
      } else if (e.table === 'nodes') {
        if (e.kind === 'delete') this.noteNode(e.object.ID, 'down');
        else this.noteNode(e.object.ID, e.object.Status.State);
      }
    }
    this.schedule();
  }

  private onReport(taskId: string): void {
    const sid = this.taskService.get(taskId);
    if (sid === undefined) return;
    this.dirty.add(sid);
    this.schedule();
  }

  private noteService(s: Stored<Service>): void {
    this.services.set(s.ID, s);
    this.dirty.add(s.ID);
  }

  private dropService(id: string): void {
    this.services.delete(id);
    this.dirty.add(id);
  }

  private noteTask(t: Stored<Task>): void {
    if (isTerminal(t.Status.State)) {
      this.dropTask(t);
      return;
    }
    let m = this.tasks.get(t.ServiceID);
    if (!m) {
      m = new Map();
      this.tasks.set(t.ServiceID, m);
    }
    m.set(t.ID, t);
    this.taskService.set(t.ID, t.ServiceID);
    this.dirty.add(t.ServiceID);
  }

  private dropTask(t: Stored<Task>): void {
    const m = this.tasks.get(t.ServiceID);
    if (m?.delete(t.ID)) {
      if (m.size === 0) this.tasks.delete(t.ServiceID);
      this.dirty.add(t.ServiceID);
    }
    this.taskService.delete(t.ID);
  }

  private noteNode(id: string, state: string): void {
    const down = DOWN_STATES.has(state);
    if (down === this.downNodes.has(id)) return;
    if (down) this.downNodes.add(id);
    else this.downNodes.delete(id);
    // Rare: a node changing reachability touches every service with a task there.
    for (const [sid, m] of this.tasks) {
      for (const t of m.values()) {
        if (t.NodeID === id) {
          this.dirty.add(sid);
          break;
        }
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.dirty.size === 0) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.o.debounceMs ?? 20);
  }

  private flush(): void {
    if (this.stopped) return;
    let changed = this.state === EMPTY_MESH;
    for (const sid of this.dirty) {
      const s = this.services.get(sid);
      const list = s ? servicePorts(s, this.tasks.get(sid)?.values() ?? [], this.opts) : [];
      const json = JSON.stringify(list);
      if (this.ports.get(sid)?.json === json) continue;
      changed = true;
      if (list.length === 0) this.ports.delete(sid);
      else this.ports.set(sid, { list, json });
    }
    this.dirty.clear();
    if (!changed) return;
    const ids = [...this.ports.keys()].sort();
    this.state = mergePorts(ids.map((id) => this.ports.get(id)!.list));
    this.log.debug({ ports: this.state.ports.length }, 'mesh: endpoint table changed');
    try {
      this.o.onState(this.state);
    } catch (e) {
      this.log.error({ err: String(e) }, 'mesh: onState threw');
    }
  }
}
