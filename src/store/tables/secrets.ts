/** secrets: named blobs for tasks; the data is never shown back. Names are unique. */
import type { Secret } from '../../api/secret.ts';
import { NameConflictError } from '../errors.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

const names = (s: Secret): readonly string[] => [s.Spec.Name];

export const secretTable: TableDef<Secret> = {
  name: 'secrets',
  kind: 'secret',
  indexes: [nameIndex(names), labelIndex((s) => s.Spec.Labels)],
  names,
  // swarmkit's controlapi words.
  nameConflict: (name) => new NameConflictError('secret', name, `secret ${name} already exists`),
};

export interface SecretReads extends TableReads<Secret> {
  byName(name: string): Stored<Secret> | undefined;
}

export class SecretView extends TableView<Secret> implements SecretReads {
  byName(name: string): Stored<Secret> | undefined {
    return this.findOne('name', foldName(name));
  }
}
