/** configs: named blobs for tasks, shown back through the API. Names are unique. */
import type { Config } from '../../api/secret.ts';
import { NameConflictError } from '../errors.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

const names = (c: Config): readonly string[] => [c.Spec.Name];

export const configTable: TableDef<Config> = {
  name: 'configs',
  kind: 'config',
  indexes: [nameIndex(names), labelIndex((c) => c.Spec.Labels)],
  names,
  // swarmkit's controlapi words.
  nameConflict: (name) => new NameConflictError('config', name, `config ${name} already exists`),
};

export interface ConfigReads extends TableReads<Config> {
  byName(name: string): Stored<Config> | undefined;
}

export class ConfigView extends TableView<Config> implements ConfigReads {
  byName(name: string): Stored<Config> | undefined {
    return this.findOne('name', foldName(name));
  }
}
