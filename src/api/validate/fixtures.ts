/**
 * Valid specs for tests: each factory returns a fresh spec that every validator accepts,
 * with overrides merged on top. One place, so a rule change breaks fixtures loudly here.
 */
import type { SwarmSpec } from '../cluster.ts';
import type { NetworkSpec } from '../network.ts';
import type { Node, NodeSpec } from '../node.ts';
import type { ConfigSpec, SecretSpec } from '../secret.ts';
import type { Service, ServiceSpec } from '../service.ts';
import type { ContainerSpec } from '../task-spec.ts';

export function serviceSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    Name: 'web',
    TaskTemplate: { ContainerSpec: { Image: 'nginx:1.25' } },
    Mode: { Replicated: { Replicas: 2 } },
    ...overrides,
  };
}

type Loose = Record<string, unknown>;

/** A valid spec changed by `edit`, which may break its types on purpose (tests of bad input). */
export function editedServiceSpec(edit: (s: ServiceSpec & Loose, c: ContainerSpec & Loose) => void): unknown {
  const s = structuredClone(serviceSpec()) as ServiceSpec & Loose;
  edit(s, s.TaskTemplate.ContainerSpec as ContainerSpec & Loose);
  return s;
}

/** A file target for secret and config references. */
export const fileTarget = (name: string) => ({ Name: name, UID: '0', GID: '0', Mode: 0o444 });

export function service(spec: ServiceSpec = serviceSpec(), id = 'svc0000000000000000000001'): Service {
  return {
    ID: id,
    Version: { Index: 7 },
    CreatedAt: '2024-01-01T00:00:00Z',
    UpdatedAt: '2024-01-01T00:00:00Z',
    Spec: spec,
  };
}

export function nodeSpec(overrides: Partial<NodeSpec> = {}): NodeSpec {
  return { Role: 'worker', Availability: 'active', ...overrides };
}

export function node(spec: NodeSpec = nodeSpec(), id = 'node000000000000000000001'): Node {
  return {
    ID: id,
    Version: { Index: 3 },
    CreatedAt: '2024-01-01T00:00:00Z',
    UpdatedAt: '2024-01-01T00:00:00Z',
    Spec: spec,
    Status: { State: 'ready', Addr: '10.0.0.5' },
    Description: {
      Hostname: 'node-1',
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: 4e9, MemoryBytes: 8 * 1024 ** 3 },
      Engine: { Labels: { disk: 'ssd' } },
    },
  };
}

export function swarmSpec(overrides: Partial<SwarmSpec> = {}): SwarmSpec {
  return { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 5 }, ...overrides };
}

export function networkSpec(overrides: Partial<NetworkSpec> = {}): NetworkSpec {
  return { Name: 'backend', DriverConfiguration: { Name: 'overlay' }, ...overrides };
}

/** base64 of "s3cr3t". */
export const SECRET_DATA = Buffer.from('s3cr3t').toString('base64');

export function secretSpec(overrides: Partial<SecretSpec> = {}): SecretSpec {
  return { Name: 'db_password', Data: SECRET_DATA, ...overrides };
}

export function configSpec(overrides: Partial<ConfigSpec> = {}): ConfigSpec {
  return { Name: 'nginx.conf', Data: Buffer.from('server {}').toString('base64'), ...overrides };
}

/** base64 of `n` zero bytes. */
export function dataOfSize(n: number): string {
  return Buffer.alloc(n).toString('base64');
}
