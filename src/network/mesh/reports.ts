/**
 * EndpointSources: where a task's target port answers.
 *
 * - EndpointReports: what executors report ("task t, target 80/tcp, reachable at
 *   10.1.2.3:32768"), kept in memory on the node; a change wakes the mesh feed. This is
 *   the source for tasks published on the node's own addresses (process executor, Docker
 *   with a host port mapping).
 * - attachmentSource(networkId): the task's address on a network (the ingress overlay)
 *   with the target port itself, for when an overlay makes task addresses routable.
 * - firstSource(a, b, …): the first that knows.
 */
import type { Task } from '../../api/task.ts';
import type { Stored } from '../../store/types.ts';
import type { EndpointSource } from './endpoints.ts';
import type { MeshProtocol } from './types.ts';

export interface ReportedPort {
  targetPort: number;
  protocol: MeshProtocol;
  host: string;
  port: number;
}

export class EndpointReports implements EndpointSource {
  private readonly byTask = new Map<string, readonly ReportedPort[]>();
  private readonly listeners = new Set<(taskId: string) => void>();

  /** Replaces what is known of a task's ports. */
  set(taskId: string, ports: readonly ReportedPort[]): void {
    this.byTask.set(taskId, [...ports]);
    this.emit(taskId);
  }

  delete(taskId: string): void {
    if (this.byTask.delete(taskId)) this.emit(taskId);
  }

  get(taskId: string): readonly ReportedPort[] | undefined {
    return this.byTask.get(taskId);
  }

  /** Called with the task id after each change; returns the unsubscriber. */
  onChange(listener: (taskId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  resolve(
    task: Stored<Task>,
    targetPort: number,
    protocol: MeshProtocol,
  ): { host: string; port: number } | undefined {
    const ports = this.byTask.get(task.ID);
    if (!ports) return undefined;
    for (const p of ports) {
      if (p.targetPort === targetPort && p.protocol === protocol) return { host: p.host, port: p.port };
    }
    return undefined;
  }

  private emit(taskId: string): void {
    for (const l of this.listeners) l(taskId);
  }
}

/** The task's address on `networkId` (CIDR stripped) and the target port itself. */
export function attachmentSource(networkId: string): EndpointSource {
  return {
    resolve(task, targetPort) {
      for (const a of task.NetworksAttachments ?? []) {
        if (a.Network.ID !== networkId) continue;
        const addr = a.Addresses[0];
        if (addr) return { host: addr.split('/')[0]!, port: targetPort };
      }
      return undefined;
    },
  };
}

export function firstSource(...sources: EndpointSource[]): EndpointSource {
  return {
    resolve(task, targetPort, protocol) {
      for (const s of sources) {
        const r = s.resolve(task, targetPort, protocol);
        if (r) return r;
      }
      return undefined;
    },
  };
}
