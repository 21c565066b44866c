/**
 * services: the user's declarations. Names are unique (case-insensitively, as swarmkit).
 * Also indexed by the secrets, configs and networks they reference, so removing one of
 * those can say which services still use it without scanning.
 */
import type { Service } from '../../api/service.ts';
import { NameConflictError } from '../errors.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

const names = (s: Service): readonly string[] => [s.Spec.Name];

function networks(s: Service): string[] {
  const out: string[] = [];
  for (const n of s.Spec.TaskTemplate.Networks ?? []) out.push(n.Target);
  for (const n of s.Spec.Networks ?? []) if (!out.includes(n.Target)) out.push(n.Target);
  return out;
}

export const serviceTable: TableDef<Service> = {
  name: 'services',
  kind: 'service',
  indexes: [
    nameIndex(names),
    labelIndex((s) => s.Spec.Labels),
    {
      name: 'secret',
      keys: (s) => s.Spec.TaskTemplate.ContainerSpec?.Secrets?.map((r) => r.SecretID),
    },
    {
      name: 'config',
      keys: (s) => s.Spec.TaskTemplate.ContainerSpec?.Configs?.map((r) => r.ConfigID),
    },
    { name: 'network', keys: networks },
  ],
  names,
  // swarmkit's controlapi words, which the docker CLI prints after
  // "rpc error: code = AlreadyExists desc = ".
  nameConflict: (name) =>
    new NameConflictError(
      'service',
      name,
      `name conflicts with an existing object: service ${name} already exists`,
    ),
};

export interface ServiceReads extends TableReads<Service> {
  byName(name: string): Stored<Service> | undefined;
  bySecret(secretId: string): Stored<Service>[];
  byConfig(configId: string): Stored<Service>[];
  /** Services attached to a network (by the Target stored in their spec). */
  byNetwork(network: string): Stored<Service>[];
}

export class ServiceView extends TableView<Service> implements ServiceReads {
  byName(name: string): Stored<Service> | undefined {
    return this.findOne('name', foldName(name));
  }

  bySecret(secretId: string): Stored<Service>[] {
    return this.find('secret', secretId);
  }

  byConfig(configId: string): Stored<Service>[] {
    return this.find('config', configId);
  }

  byNetwork(network: string): Stored<Service>[] {
    return this.find('network', network);
  }
}
