/**
 * The decisions, one object at a time, over a consistent read of the store and the
 * allocation state. No I/O: a decision claims what it allocates in the state at once (so
 * the next decision of the same pass sees it) and returns an Outcome; the allocator turns
 * the writes of a pass into one store batch, then `confirm`s each write that applied
 * (deferred releases happen then) or `revert`s each that failed for sure.
 *
 *   ok       allocated already, nothing to write (wakes: what it let go of, if anything)
 *   write    fields to write; commit: confirm() -> wake keys, revert() (commits.ts)
 *   wait     a dependency is being written (a network, the task's service): no message
 *   blocked  cannot be allocated now; `reason` in Docker's words; `on`: what may change that
 */

import type { Cluster } from '../../api/cluster.ts';
import type { DeepReadonly } from '../../api/meta.ts';
import type { Network } from '../../api/network.ts';
import type { Endpoint, Service, VirtualIP } from '../../api/service.ts';
import type { NetworkAttachment, Task } from '../../api/task.ts';
import { needsIngressNetwork } from '../../api/validate/service-context.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import { addresses, hasIngressVip, type NetworkProblems, resolveNetworks, specNetworks } from './attach.ts';
import { type Commit, NetworkCommit, ServiceCommit, TaskCommit } from './commits.ts';
import { sameEndpoint } from './endpoint.ts';
import { msg, PENDING_MESSAGE } from './messages.ts';
import { planPorts } from './ports.ts';
import { type AllocationState, wake } from './state.ts';

export type Outcome<F> =
  | { kind: 'ok'; wakes?: string[] }
  | { kind: 'write'; fields: F; commit: Commit }
  | { kind: 'wait'; on: string[] }
  | { kind: 'blocked'; reason: string; on: string[] };

type R<T> = DeepReadonly<T>;
const ok = { kind: 'ok' } as const;
const waitOn = (...on: string[]) => ({ kind: 'wait', on }) as const;
const blocked = (reason: string, ...on: string[]) => ({ kind: 'blocked', reason, on }) as const;

export function decideNetwork(
  st: AllocationState,
  n: R<Network>,
  cluster: R<Cluster> | undefined,
  nameOf: (id: string) => string,
): Outcome<Pick<Network, 'IPAMOptions' | 'DriverState'>> {
  if (st.networks.get(n.ID)) return ok;
  if (st.restoreNetwork(n)) return ok;
  if (n.Spec.Ingress && st.ingressId !== undefined && st.ingressId !== n.ID) {
    return blocked(msg.secondIngress(nameOf(st.ingressId), st.ingressId));
  }
  const got = st.networks.allocate(n, cluster);
  if (!got.ok) return blocked(got.reason, wake.subnets);
  const ingress = n.Spec.Ingress === true;
  if (ingress) st.ingressId = n.ID;
  return {
    kind: 'write',
    fields: got.fields,
    commit: new NetworkCommit(st, got.record, n.Spec.Name, ingress),
  };
}

export function decideService(
  st: AllocationState,
  tx: ReadTx,
  s: R<Service>,
  problems: NetworkProblems,
): Outcome<{ Endpoint: Endpoint }> {
  const eps = s.Spec.EndpointSpec;
  const rec = st.services.get(s.ID) ?? { ports: [], vips: [] };
  const plan = planPorts(
    st.ports,
    {
      serviceId: s.ID,
      ports: eps?.Ports ?? [],
      prevSpec: s.Endpoint?.Spec?.Ports,
      prevPorts: s.Endpoint?.Ports,
    },
    (id) => tx.services.get(id),
  );
  if (!plan.ok) return blocked(plan.reason, wake.ports);
  let ids: string[] = [];
  if ((eps?.Mode ?? 'vip') === 'vip') {
    const r = resolveNetworks(
      st,
      tx,
      specNetworks(s),
      needsIngressNetwork(s.Spec as Service['Spec']),
      problems,
    );
    if ('stop' in r) return r.stop;
    ids = r.ids;
  }
  const vips = addresses(st, ids, rec.vips);
  if (!vips.ok) return blocked(msg.noVipAddress, wake.addresses(vips.networkId));
  const endpoint: Endpoint = { Spec: structuredClone(eps ?? {}) as Endpoint['Spec'] };
  if (plan.ports.length > 0) endpoint.Ports = plan.ports;
  if (vips.addrs.length > 0)
    endpoint.VirtualIPs = vips.addrs.map((a): VirtualIP => ({ NetworkID: a.networkId, Addr: a.cidr }));
  const next = { ports: plan.held, vips: vips.addrs };
  // newly taken: not the service's before this decision (a revert gives back only these)
  const addedPorts = plan.held.filter((p) => st.ports.owner(p.protocol, p.port) !== s.ID);
  for (const p of plan.held) st.ports.hold(p.protocol, p.port, s.ID);
  st.services.set(s.ID, next);
  const commit = new ServiceCommit(st, s.ID, rec, next, addedPorts, vips.added);
  if (sameEndpoint(s.Endpoint, endpoint)) {
    // the store has it already (a restored or re-read service): drop anything stale now
    return { kind: 'ok', wakes: commit.release() };
  }
  return { kind: 'write', fields: { Endpoint: endpoint }, commit };
}

export function decideTask(
  st: AllocationState,
  tx: ReadTx,
  t: R<Task>,
  problems: NetworkProblems,
  now: string,
): Outcome<Pick<Task, 'Status' | 'NetworksAttachments' | 'Endpoint'>> {
  if (t.Status.State !== 'new') return ok;
  let service: R<Service> | undefined;
  if (t.ServiceID) {
    service = tx.services.get(t.ServiceID);
    if (!service) return blocked(msg.serviceNotFound(t.ServiceID, t.ID));
    const status = st.serviceStatus.get(t.ServiceID);
    if (status?.kind === 'blocked') return blocked(status.reason, wake.service(t.ServiceID));
    if (status?.kind !== 'ok') return waitOn(wake.service(t.ServiceID));
  }
  const own = t.Spec.Networks ?? [];
  const targets = own.length > 0 || !service ? own : (service.Spec.Networks ?? []);
  const ingress = service ? hasIngressVip(st, service) : false;
  const r = resolveNetworks(st, tx, targets, ingress, problems);
  if ('stop' in r) return r.stop;
  const got = addresses(st, r.ids, st.tasks.get(t.ID)?.addrs ?? []);
  if (!got.ok) return blocked(msg.noTaskAddress(t.ID, got.networkId), wake.addresses(got.networkId));
  const fields: Pick<Task, 'Status' | 'NetworksAttachments' | 'Endpoint'> = {
    Status: { Timestamp: now, State: 'pending', Message: PENDING_MESSAGE },
  };
  if (got.addrs.length > 0) {
    fields.NetworksAttachments = got.addrs.map(
      (a): NetworkAttachment => ({ Network: { ID: a.networkId }, Addresses: [a.cidr] }),
    );
  }
  const ports = service?.Endpoint?.Ports;
  if (ports && ports.length > 0) fields.Endpoint = { Ports: ports as Endpoint['Ports'] };
  const prev = st.tasks.get(t.ID);
  if (got.addrs.length > 0) st.tasks.set(t.ID, { addrs: got.addrs });
  else st.tasks.delete(t.ID);
  return { kind: 'write', fields, commit: new TaskCommit(st, t.ID, prev, got.added, got.dropped) };
}
