/**
 * The tables, and the transaction shapes built from them: a ReadTx has one typed view per
 * table (`tx.tasks.byService(id)`), a WriteTx adds create/update/delete to each.
 */
import type { Meta } from '../../api/meta.ts';
import type { TableDef } from '../table-def.ts';
import type { ObjectTypes, TableName } from '../types.ts';
import type { TableReads, TableView, TableWrites, TxContext } from '../view.ts';
import { type ClusterReads, ClusterView, clusterTable } from './clusters.ts';
import { type ConfigReads, ConfigView, configTable } from './configs.ts';
import { type NetworkReads, NetworkView, networkTable } from './networks.ts';
import { type NodeReads, NodeView, nodeTable } from './nodes.ts';
import { type SecretReads, SecretView, secretTable } from './secrets.ts';
import { type ServiceReads, ServiceView, serviceTable } from './services.ts';
import { type TaskReads, TaskView, taskTable } from './tasks.ts';

export const TABLES: { readonly [K in TableName]: TableDef<ObjectTypes[K]> } = {
  clusters: clusterTable,
  nodes: nodeTable,
  services: serviceTable,
  tasks: taskTable,
  networks: networkTable,
  secrets: secretTable,
  configs: configTable,
};

export function tableDef(name: TableName): TableDef<Meta> {
  return TABLES[name] as unknown as TableDef<Meta>;
}

/** A consistent, synchronous view of the store. */
export interface ReadTx {
  /** The Raft index of the last entry applied to this store. */
  readonly index: number;
  readonly clusters: ClusterReads;
  readonly nodes: NodeReads;
  readonly services: ServiceReads;
  readonly tasks: TaskReads;
  readonly networks: NetworkReads;
  readonly secrets: SecretReads;
  readonly configs: ConfigReads;
  /** The generic view of any table. */
  table<K extends TableName>(name: K): TableReads<ObjectTypes[K]>;
}

type Writable<R, T extends Meta> = R & TableWrites<T>;

/** A transaction: the reads of a ReadTx, seeing the transaction's own writes, plus writes. */
export interface WriteTx extends ReadTx {
  readonly clusters: Writable<ClusterReads, ObjectTypes['clusters']>;
  readonly nodes: Writable<NodeReads, ObjectTypes['nodes']>;
  readonly services: Writable<ServiceReads, ObjectTypes['services']>;
  readonly tasks: Writable<TaskReads, ObjectTypes['tasks']>;
  readonly networks: Writable<NetworkReads, ObjectTypes['networks']>;
  readonly secrets: Writable<SecretReads, ObjectTypes['secrets']>;
  readonly configs: Writable<ConfigReads, ObjectTypes['configs']>;
  table<K extends TableName>(name: K): TableReads<ObjectTypes[K]> & TableWrites<ObjectTypes[K]>;
}

/**
 * The transaction object over `ctx` (read-only when ctx has no writer). Views are made
 * on first use: most transactions touch one or two tables, and view() is a hot path.
 */
export class Tx implements WriteTx {
  private c: ClusterView | undefined;
  private n: NodeView | undefined;
  private s: ServiceView | undefined;
  private t: TaskView | undefined;
  private w: NetworkView | undefined;
  private x: SecretView | undefined;
  private f: ConfigView | undefined;

  constructor(private readonly ctx: TxContext) {}

  get index(): number {
    return this.ctx.index;
  }

  get clusters(): ClusterView {
    this.c ??= new ClusterView(clusterTable, this.ctx);
    return this.c;
  }

  get nodes(): NodeView {
    this.n ??= new NodeView(nodeTable, this.ctx);
    return this.n;
  }

  get services(): ServiceView {
    this.s ??= new ServiceView(serviceTable, this.ctx);
    return this.s;
  }

  get tasks(): TaskView {
    this.t ??= new TaskView(taskTable, this.ctx);
    return this.t;
  }

  get networks(): NetworkView {
    this.w ??= new NetworkView(networkTable, this.ctx);
    return this.w;
  }

  get secrets(): SecretView {
    this.x ??= new SecretView(secretTable, this.ctx);
    return this.x;
  }

  get configs(): ConfigView {
    this.f ??= new ConfigView(configTable, this.ctx);
    return this.f;
  }

  table<K extends TableName>(name: K): TableReads<ObjectTypes[K]> & TableWrites<ObjectTypes[K]> {
    return this[name] as unknown as TableView<ObjectTypes[K]>;
  }
}
