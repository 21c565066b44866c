/** Fixture factories for the mesh's tests: stored services and tasks, minimal and overridable. */
import type { Service } from '../../../api/service.ts';
import type { Task } from '../../../api/task.ts';
import type { Stored } from '../../../store/types.ts';

const stamp = { Version: { Index: 1 }, CreatedAt: '', UpdatedAt: '' };

/** A service with allocated ports: [published, target, protocol?, mode?]. */
export function svc(
  id: string,
  ports: Array<[number, number, ('tcp' | 'udp' | 'sctp')?, ('ingress' | 'host')?]>,
  labels?: Record<string, string>,
): Stored<Service> {
  return {
    ID: id,
    ...stamp,
    Spec: { Name: id, Labels: labels, TaskTemplate: { ContainerSpec: { Image: 'x' } } },
    Endpoint: {
      Spec: {},
      Ports: ports.map(([pub, target, Protocol = 'tcp', PublishMode = 'ingress']) => ({
        PublishedPort: pub,
        TargetPort: target,
        Protocol,
        PublishMode,
      })),
    },
  } as Stored<Service>;
}

/** A task RUNNING (desired RUNNING) on node n1, stop grace 2 s. */
export function task(id: string, serviceId: string, over: Partial<Task> = {}): Stored<Task> {
  return {
    ID: id,
    ...stamp,
    ServiceID: serviceId,
    NodeID: 'n1',
    Spec: { ContainerSpec: { Image: 'x', StopGracePeriod: 2_000_000_000 } },
    Status: { Timestamp: '', State: 'running' },
    DesiredState: 'running',
    ...over,
  } as Stored<Task>;
}
