/**
 * nodes: members of the swarm. A node answers to its Spec.Name and to its hostname;
 * neither is unique (two machines may share a hostname), so a name lookup may be
 * ambiguous, as in Docker. Indexed by role, availability and observed state for the
 * scheduler, the dispatcher and `docker node ls` filters.
 */
import type { Node, NodeAvailability, NodeRole, NodeState } from '../../api/node.ts';
import { foldName, labelIndex, nameIndex, type TableDef } from '../table-def.ts';
import type { Stored } from '../types.ts';
import { type TableReads, TableView } from '../view.ts';

function names(n: Node): readonly string[] {
  const a = n.Spec.Name ?? '';
  const b = n.Description?.Hostname ?? '';
  if (!a) return b ? [b] : [];
  return b && b !== a ? [a, b] : [a];
}

export const nodeTable: TableDef<Node> = {
  name: 'nodes',
  kind: 'node',
  indexes: [
    nameIndex(names),
    { name: 'role', keys: (n) => n.Spec.Role },
    { name: 'availability', keys: (n) => n.Spec.Availability },
    { name: 'state', keys: (n) => n.Status.State },
    labelIndex((n) => n.Spec.Labels),
  ],
  names,
};

export interface NodeReads extends TableReads<Node> {
  /** Nodes whose Spec.Name or hostname is `name` (case-insensitive; not unique). */
  byName(name: string): Stored<Node>[];
  byRole(role: NodeRole): Stored<Node>[];
  byAvailability(availability: NodeAvailability): Stored<Node>[];
  byState(state: NodeState): Stored<Node>[];
}

export class NodeView extends TableView<Node> implements NodeReads {
  byName(name: string): Stored<Node>[] {
    return this.find('name', foldName(name));
  }

  byRole(role: NodeRole): Stored<Node>[] {
    return this.find('role', role);
  }

  byAvailability(availability: NodeAvailability): Stored<Node>[] {
    return this.find('availability', availability);
  }

  byState(state: NodeState): Stored<Node>[] {
    return this.find('state', state);
  }
}
