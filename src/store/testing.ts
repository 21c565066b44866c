/**
 * Fixture factories for store tests (and for tests of the components above the store):
 * minimal valid objects, overridable field by field, and a fake clock.
 */

import type { Cluster } from '../api/cluster.ts';
import type { Network } from '../api/network.ts';
import type { Node } from '../api/node.ts';
import type { Config, Secret } from '../api/secret.ts';
import type { Service } from '../api/service.ts';
import type { Task } from '../api/task.ts';
import type { Clock, Timer } from '../base/clock.ts';
import { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
import type { NewObject } from './types.ts';

/** A clock whose wall time only moves when told (setTimeout is not supported). */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  wallNow(): number {
    return this.ms;
  }
  setTimeout(): Timer {
    throw new Error('ManualClock: no timers');
  }
  setInterval(): Timer {
    throw new Error('ManualClock: no timers');
  }
}

/** A frozen, local store on a manual clock. */
export function testStore(opts: Partial<MemoryStoreOptions> = {}): MemoryStore {
  return MemoryStore.local({ clock: new ManualClock(), freeze: true, ...opts });
}

export function newService(
  id: string,
  name: string,
  over: Partial<NewObject<Service>> = {},
): NewObject<Service> {
  return {
    ID: id,
    Spec: {
      Name: name,
      TaskTemplate: { ContainerSpec: { Image: 'nginx:1.27' } },
      Mode: { Replicated: { Replicas: 1 } },
    },
    ...over,
  } as NewObject<Service>;
}

export function newTask(id: string, serviceId: string, over: Partial<NewObject<Task>> = {}): NewObject<Task> {
  return {
    ID: id,
    ServiceID: serviceId,
    Spec: { ContainerSpec: { Image: 'nginx:1.27' } },
    Status: { Timestamp: '2025-01-01T00:00:00.000Z', State: 'new' },
    DesiredState: 'running',
    ...over,
  } as NewObject<Task>;
}

export function newNode(id: string, hostname: string, over: Partial<NewObject<Node>> = {}): NewObject<Node> {
  return {
    ID: id,
    Spec: { Role: 'worker', Availability: 'active' },
    Description: {
      Hostname: hostname,
      Platform: { OS: 'linux', Architecture: 'x86_64' },
      Resources: { NanoCPUs: 4e9, MemoryBytes: 8 * 2 ** 30 },
      Engine: {},
    },
    Status: { State: 'ready' },
    ...over,
  } as NewObject<Node>;
}

export function newCluster(id: string, name = 'default'): NewObject<Cluster> {
  return { ID: id, Spec: { Name: name } };
}

export function newNetwork(id: string, name: string): NewObject<Network> {
  return { ID: id, Spec: { Name: name, DriverConfiguration: { Name: 'overlay' } } };
}

export function newSecret(id: string, name: string): NewObject<Secret> {
  return { ID: id, Spec: { Name: name, Data: 'c2VjcmV0' } };
}

export function newConfig(id: string, name: string): NewObject<Config> {
  return { ID: id, Spec: { Name: name, Data: 'Y29uZmln' } };
}
