/**
 * MeshPublisher: the leader computes the routing mesh's endpoint table once, from the store
 * (src/network/mesh/mesh-store.ts), and every node receives it over its session (the
 * dispatcher's `mesh` message): workers hold no store, yet their mesh must know every
 * task of every service.
 *
 *   store ─► MeshFeed(source: task.Status.MeshEndpoints + the node's address)
 *         ─► MeshState ─► WireMesh (each endpoint with its task's node) ─► dispatcher.setMesh
 *
 * Where a task answers comes from its executor (TaskStatus.MeshEndpoints): an empty host
 * means "the node's address", the address the node's session comes from.
 */
import type { Task } from '../../api/task.ts';
import type { Clock } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { type EndpointSource, MeshFeed } from '../../network/mesh/index.ts';
import type { MeshProtocol, MeshState } from '../../network/mesh/types.ts';
import type { MemoryStore, Stored } from '../../store/index.ts';
import type { WireMesh } from '../dispatcher/protocol.ts';

export interface MeshPublisherOptions {
  store: MemoryStore;
  clock: Clock;
  logger: Logger;
  publish(mesh: WireMesh): void;
}

/** Where a task's target port answers, as its executor reported it. */
export function storeEndpointSource(
  nodeAddr: (nodeId: string) => string | undefined,
  taskNode: Map<string, string>,
): EndpointSource {
  return {
    resolve(task: Stored<Task>, targetPort: number, protocol: MeshProtocol) {
      const e = task.Status.MeshEndpoints?.find(
        (x) => x.TargetPort === targetPort && x.Protocol === protocol,
      );
      if (!e || !task.NodeID) return undefined;
      const host = e.Host || nodeAddr(task.NodeID);
      if (!host) return undefined;
      taskNode.set(task.ID, task.NodeID);
      return { host, port: e.Port };
    },
  };
}

/** The table as sent: every endpoint names the node its task runs on. */
export function toWire(state: MeshState, taskNode: ReadonlyMap<string, string>): WireMesh {
  return {
    ports: state.ports.map((p) => ({
      ...p,
      endpoints: p.endpoints.map((e) => ({ ...e, local: false, node: taskNode.get(e.id) ?? '' })),
    })),
  };
}

/** The table as one node uses it: its own tasks' endpoints are `local`. */
export function forNode(mesh: WireMesh, nodeId: string): MeshState {
  return {
    ports: mesh.ports.map((p) => ({
      ...p,
      endpoints: p.endpoints.map(({ node, ...e }) => ({ ...e, local: node === nodeId })),
    })),
  };
}

export class MeshPublisher {
  private readonly feed: MeshFeed;
  private readonly taskNode = new Map<string, string>();

  constructor(opts: MeshPublisherOptions) {
    const { store } = opts;
    const nodeAddr = (id: string) => store.view((tx) => tx.nodes.get(id)?.Status.Addr);
    this.feed = new MeshFeed({
      store,
      clock: opts.clock,
      logger: opts.logger,
      source: storeEndpointSource(nodeAddr, this.taskNode),
      onState: (state) => {
        const wire = toWire(state, this.taskNode);
        this.forgetGoneTasks(state);
        opts.publish(wire);
      },
    });
  }

  start(): void {
    this.feed.start();
  }

  stop(): void {
    this.feed.stop();
  }

  private forgetGoneTasks(state: MeshState): void {
    const live = new Set<string>();
    for (const p of state.ports) for (const e of p.endpoints) live.add(e.id);
    for (const id of [...this.taskNode.keys()]) if (!live.has(id)) this.taskNode.delete(id);
  }
}
