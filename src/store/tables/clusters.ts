/**
 * clusters: the swarm-wide settings. There is one, named `default` (the name is unique
 * like every name here, so a second `default` cannot be created).
 */
import { type Cluster, DEFAULT_CLUSTER_NAME } from '../../api/cluster.ts';
import { NameConflictError } from '../errors.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

const names = (c: Cluster): readonly string[] => [c.Spec.Name];

export const clusterTable: TableDef<Cluster> = {
  name: 'clusters',
  kind: 'cluster',
  indexes: [nameIndex(names), labelIndex((c) => c.Spec.Labels)],
  names,
  nameConflict: (name) => new NameConflictError('cluster', name, 'name conflicts with an existing object'),
};

export interface ClusterReads extends TableReads<Cluster> {
  byName(name: string): Stored<Cluster> | undefined;
  /** The cluster named `default`. */
  current(): Stored<Cluster> | undefined;
}

export class ClusterView extends TableView<Cluster> implements ClusterReads {
  byName(name: string): Stored<Cluster> | undefined {
    return this.findOne('name', foldName(name));
  }

  current(): Stored<Cluster> | undefined {
    return this.byName(DEFAULT_CLUSTER_NAME);
  }
}
