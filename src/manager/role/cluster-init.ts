/**
 * What a new swarm's first leader writes once: the Cluster object (`default`, Docker's
 * defaults) and the ingress network of the routing mesh. Idempotent: a later leader finds
 * them and writes nothing.
 */
import { type Cluster, DEFAULT_CLUSTER_NAME, type SwarmSpec } from '../../api/cluster.ts';
import { newId } from '../../api/ids.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore } from '../../store/index.ts';
import { ensureIngressNetwork } from '../allocator/index.ts';

/**
 * Records `nodeId` as a manager before its member joins Raft (swarm init for the first
 * manager, join with a manager token for the others), so the RoleManager never mistakes
 * a new manager for a demoted one.
 */
export async function ensureManagerNode(store: MemoryStore, nodeId: string, addr: string): Promise<void> {
  const cur = store.view((tx) => tx.nodes.get(nodeId));
  if (cur?.Spec.Role === 'manager') return;
  await store.update((tx) => {
    const n = tx.nodes.get(nodeId);
    if (n) {
      if (n.Spec.Role !== 'manager') tx.nodes.update(n, { Spec: { ...n.Spec, Role: 'manager' } });
      return;
    }
    tx.nodes.create({
      ID: nodeId,
      Version: { Index: 0 },
      CreatedAt: '',
      UpdatedAt: '',
      Spec: { Role: 'manager', Availability: 'active', Labels: {} },
      Status: { State: 'unknown', Addr: addr.split(':')[0] ?? addr },
    });
  });
}

/** What `swarm init` decided for the Cluster object (its id is in the certificates). */
export type InitialCluster = Partial<
  Pick<Cluster, 'ID' | 'RootCA' | 'JoinTokens' | 'DefaultAddrPool' | 'SubnetSize' | 'UnlockKey'>
> & {
  Spec?: Partial<SwarmSpec>;
};

export async function ensureClusterObjects(
  store: MemoryStore,
  rng: Rng,
  initial: InitialCluster = {},
): Promise<void> {
  const exists = store.view((tx) => tx.clusters.current() !== undefined);
  if (!exists) {
    await store.update((tx) => {
      if (tx.clusters.current()) return;
      const { Spec: spec, ...rest } = initial;
      tx.clusters.create({
        Version: { Index: 0 },
        CreatedAt: '',
        UpdatedAt: '',
        Spec: withoutZeros(
          {
            Labels: {},
            Orchestration: { TaskHistoryRetentionLimit: 5 },
            Raft: {
              SnapshotInterval: 10_000,
              KeepOldSnapshots: 0,
              LogEntriesForSlowFollowers: 500,
              ElectionTick: 10,
              HeartbeatTick: 1,
            },
            Dispatcher: { HeartbeatPeriod: 5_000_000_000 },
            CAConfig: { NodeCertExpiry: 90 * 24 * 3600 * 1_000_000_000 },
            TaskDefaults: {},
            EncryptionConfig: { AutoLockManagers: false },
            Name: DEFAULT_CLUSTER_NAME,
          },
          spec,
        ),
        DefaultAddrPool: ['10.0.0.0/8'],
        SubnetSize: 24,
        DataPathPort: 4789,
        ...rest,
        ID: initial.ID ?? newId(rng),
      });
    });
  }
  await ensureIngressNetwork(store, { rng });
}

/**
 * Docker's defaults where the request leaves a field empty or zero (`docker swarm init`
 * sends every field, zeros included, and the daemon fills the zeros in).
 */
function withoutZeros<T extends object>(defaults: T, given: object | undefined): T {
  if (!given) return defaults;
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined || v === null || v === 0 || v === '') continue;
    const d = out[k];
    if (typeof v === 'object' && !Array.isArray(v) && d && typeof d === 'object' && !Array.isArray(d)) {
      out[k] = withoutZeros(d as object, v as object);
    } else out[k] = v;
  }
  return out as T;
}
