/** networks: swarm-scoped (overlay) networks. Names are unique, case-insensitively. */
import type { Network } from '../../api/network.ts';
import { NameConflictError } from '../errors.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

const names = (n: Network): readonly string[] => [n.Spec.Name];

export const networkTable: TableDef<Network> = {
  name: 'networks',
  kind: 'network',
  indexes: [nameIndex(names), labelIndex((n) => n.Spec.Labels)],
  names,
  // The Engine's words (libnetwork's NetworkNameError).
  nameConflict: (name) => new NameConflictError('network', name, `network with name ${name} already exists`),
};

export interface NetworkReads extends TableReads<Network> {
  byName(name: string): Stored<Network> | undefined;
}

export class NetworkView extends TableView<Network> implements NetworkReads {
  byName(name: string): Stored<Network> | undefined {
    return this.findOne('name', foldName(name));
  }
}
