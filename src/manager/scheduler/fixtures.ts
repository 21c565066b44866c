/**
 * Factories for the scheduler's tests and benchmark: plain Node and Task objects with only
 * the fields the scheduler reads, everything else at Docker's defaults.
 */
import type { GenericResource, Node, NodeRole, PortConfig, Task, TaskState } from '../../api/index.ts';

const META = { Version: { Index: 1 }, CreatedAt: '2025-01-01T00:00:00Z', UpdatedAt: '2025-01-01T00:00:00Z' };
export const GB = 1024 ** 3;
export const CPU = 1e9;

export interface NodeOptions {
  hostname?: string;
  role?: NodeRole;
  labels?: Record<string, string>;
  engineLabels?: Record<string, string>;
  cpus?: number;
  memoryGB?: number;
  generic?: GenericResource[];
  state?: Node['Status']['State'];
  availability?: Node['Spec']['Availability'];
  os?: string;
  arch?: string;
  addr?: string;
  plugins?: Array<{ Type: string; Name: string }>;
  description?: boolean;
}

export function makeNode(id: string, o: NodeOptions = {}): Node {
  const node: Node = {
    ID: id,
    ...META,
    Spec: { Role: o.role ?? 'worker', Availability: o.availability ?? 'active', Labels: o.labels ?? {} },
    Status: { State: o.state ?? 'ready', Addr: o.addr ?? '10.0.0.1' },
  };
  if (o.description === false) return node;
  return {
    ...node,
    Description: {
      Hostname: o.hostname ?? `host-${id}`,
      Platform: { OS: o.os ?? 'linux', Architecture: o.arch ?? 'x86_64' },
      Resources: {
        NanoCPUs: (o.cpus ?? 4) * CPU,
        MemoryBytes: (o.memoryGB ?? 8) * GB,
        ...(o.generic ? { GenericResources: o.generic } : {}),
      },
      Engine: {
        EngineVersion: '28.2.0',
        Labels: o.engineLabels ?? {},
        ...(o.plugins ? { Plugins: o.plugins } : {}),
      },
    },
  };
}

export interface TaskOptions {
  constraints?: string[];
  spread?: string[];
  maxReplicas?: number;
  platforms?: Array<{ OS?: string; Architecture?: string }>;
  cpus?: number;
  memoryGB?: number;
  generic?: Record<string, number>;
  hostPorts?: number[];
  ports?: PortConfig[];
  nodeId?: string;
  state?: TaskState;
  desired?: TaskState;
  logDriver?: string;
  volumeDriver?: string;
  assignedGeneric?: GenericResource[];
}

export function makeTask(id: string, serviceId: string, o: TaskOptions = {}): Task {
  const reservations =
    o.cpus !== undefined || o.memoryGB !== undefined || o.generic !== undefined
      ? {
          ...(o.cpus !== undefined ? { NanoCPUs: o.cpus * CPU } : {}),
          ...(o.memoryGB !== undefined ? { MemoryBytes: o.memoryGB * GB } : {}),
          ...(o.generic
            ? {
                GenericResources: Object.entries(o.generic).map(([Kind, Value]) => ({
                  DiscreteResourceSpec: { Kind, Value },
                })),
              }
            : {}),
        }
      : undefined;
  const ports: PortConfig[] = [
    ...(o.ports ?? []),
    ...(o.hostPorts ?? []).map(
      (p): PortConfig => ({ Protocol: 'tcp', TargetPort: 80, PublishedPort: p, PublishMode: 'host' }),
    ),
  ];
  return {
    ID: id,
    ...META,
    ServiceID: serviceId,
    Slot: 1,
    Spec: {
      ContainerSpec: {
        Image: 'nginx:latest',
        ...(o.volumeDriver
          ? {
              Mounts: [
                {
                  Type: 'volume',
                  Target: '/data',
                  VolumeOptions: { DriverConfig: { Name: o.volumeDriver } },
                },
              ],
            }
          : {}),
      },
      ...(reservations ? { Resources: { Reservations: reservations } } : {}),
      Placement: {
        ...(o.constraints ? { Constraints: o.constraints } : {}),
        ...(o.spread ? { Preferences: o.spread.map((d) => ({ Spread: { SpreadDescriptor: d } })) } : {}),
        ...(o.maxReplicas ? { MaxReplicas: o.maxReplicas } : {}),
        ...(o.platforms ? { Platforms: o.platforms } : {}),
      },
      ...(o.logDriver ? { LogDriver: { Name: o.logDriver } } : {}),
    },
    ...(o.nodeId ? { NodeID: o.nodeId } : {}),
    ...(ports.length > 0 ? { Endpoint: { Ports: ports } } : {}),
    ...(o.assignedGeneric ? { AssignedGenericResources: o.assignedGeneric } : {}),
    Status: { Timestamp: META.CreatedAt, State: o.state ?? 'pending' },
    DesiredState: o.desired ?? 'running',
  };
}

/** `count` tasks `<service>.1` .. `<service>.<count>` with the same options. */
export function makeTasks(serviceId: string, count: number, o: TaskOptions = {}): Task[] {
  return Array.from({ length: count }, (_, i) => makeTask(`${serviceId}.${i + 1}`, serviceId, o));
}
