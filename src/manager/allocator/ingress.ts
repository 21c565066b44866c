/**
 * The ingress network: the overlay the routing mesh runs on. `swarm init` creates it once,
 * as swarmkit's newIngressNetwork does: named `ingress`, Ingress true, the overlay driver,
 * the default IPAM driver and no subnet, so the allocator gives it the first block of the
 * cluster's default address pools: 10.0.0.0/24 (gateway 10.0.0.1) with Docker's defaults.
 * A user may remove it and create another ingress network; any network with Ingress true
 * counts, whatever its name.
 */

import { newId } from '../../api/ids.ts';
import type { Network } from '../../api/network.ts';
import type { Rng } from '../../base/rng.ts';
import type { MemoryStore } from '../../store/memory-store.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import type { NewObject, Stored } from '../../store/types.ts';

export const INGRESS_NAME = 'ingress';

/** The ingress network, if the swarm has one. */
export function findIngressNetwork(tx: ReadTx): Stored<Network> | undefined {
  const named = tx.networks.byName(INGRESS_NAME);
  if (named?.Spec.Ingress) return named;
  return tx.networks.all().find((n) => n.Spec.Ingress);
}

/** Docker's ingress network spec, with a fresh id. */
export function newIngressNetwork(rng: Rng): NewObject<Network> {
  return {
    ID: newId(rng),
    Spec: {
      Name: INGRESS_NAME,
      Labels: {},
      DriverConfiguration: { Name: 'overlay' },
      Ingress: true,
      IPAMOptions: { Driver: { Name: 'default' }, Configs: [] },
      Scope: 'swarm',
    },
  };
}

/** Creates the ingress network unless the swarm has one; returns the swarm's ingress network. */
export async function ensureIngressNetwork(store: MemoryStore, opts: { rng: Rng }): Promise<Stored<Network>> {
  const id = await store.update((tx) => {
    const found = findIngressNetwork(tx);
    if (found) return found.ID;
    const n = newIngressNetwork(opts.rng);
    tx.networks.create(n);
    return n.ID;
  });
  const n = store.view((tx) => tx.networks.get(id));
  if (!n) throw new Error(`ensureIngressNetwork: network ${id} vanished`);
  return n;
}
