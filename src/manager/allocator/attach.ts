/**
 * Attaching to networks, shared by the service decision (VIPs) and the task decision
 * (addresses): which networks, in which order (ingress first, then the spec's, deduped),
 * whether each can give addresses yet, and the addresses themselves, keeping those the
 * object already holds on a network (a re-planned service keeps its VIPs).
 */
import type { DeepReadonly } from '../../api/meta.ts';
import type { Service } from '../../api/service.ts';
import type { NetworkAttachmentConfig } from '../../api/task-spec.ts';
import type { ReadTx } from '../../store/tables/index.ts';
import { findIngressNetwork } from './ingress.ts';
import { msg } from './messages.ts';
import { type Address, type AllocationState, wake } from './state.ts';

type R<T> = DeepReadonly<T>;

/** Blocked reasons of networks that could not be allocated (their dependants show them). */
export type NetworkProblems = ReadonlyMap<string, string>;

/** Why the networks cannot be attached now: waiting for a write, or blocked with a reason. */
export type Stop = { kind: 'wait'; on: string[] } | { kind: 'blocked'; reason: string; on: string[] };
const waitOn = (...on: string[]): Stop => ({ kind: 'wait', on });
const blocked = (reason: string, ...on: string[]): Stop => ({ kind: 'blocked', reason, on });

/** The networks a service's VIPs and tasks attach to (swarmkit's serviceNetworks). */
export function specNetworks(s: R<Service>): readonly R<NetworkAttachmentConfig>[] {
  const t = s.Spec.TaskTemplate.Networks ?? [];
  return t.length === 0 && (s.Spec.Networks?.length ?? 0) > 0 ? (s.Spec.Networks ?? []) : t;
}

/**
 * Resolves the networks to attach: ingress first when asked, then the spec's, deduped.
 * Returns ids, or the outcome that stops the decision.
 */
export function resolveNetworks(
  st: AllocationState,
  tx: ReadTx,
  targets: readonly R<NetworkAttachmentConfig>[],
  ingress: boolean,
  problems: NetworkProblems,
): { ids: string[] } | { stop: Stop } {
  const ids: string[] = [];
  if (ingress) {
    if (st.ingressId === undefined) {
      // an ingress network that is not allocated (yet) says why; none at all is the controlapi's words
      const n = findIngressNetwork(tx);
      if (!n) return { stop: blocked(msg.noIngress, wake.ingress) };
      const why = problems.get(n.ID);
      return { stop: why === undefined ? waitOn(wake.ingress) : blocked(why, wake.ingress) };
    }
    ids.push(st.ingressId);
  }
  for (const na of targets) {
    const n = tx.networks.get(na.Target) ?? tx.networks.byName(na.Target);
    if (!n) return { stop: blocked(msg.networkNotFound(na.Target), wake.network(na.Target)) };
    if (!ids.includes(n.ID)) ids.push(n.ID);
  }
  for (const id of ids) {
    if (st.networks.get(id)?.committed) continue;
    const why = problems.get(id);
    return { stop: why === undefined ? waitOn(wake.network(id)) : blocked(why, wake.network(id)) };
  }
  return { ids };
}

/**
 * Addresses on `ids`, keeping those `prev` has on the same allocation of the network;
 * `dropped`: those of `prev` no longer used. On failure every new address is given back
 * and `networkId` names the network that had none left.
 */
export function addresses(
  st: AllocationState,
  ids: readonly string[],
  prev: readonly Address[],
): { ok: true; addrs: Address[]; added: Address[]; dropped: Address[] } | { ok: false; networkId: string } {
  const addrs: Address[] = [];
  const added: Address[] = [];
  for (const id of ids) {
    const gen = st.networks.get(id)?.gen;
    const kept = prev.find((a) => a.networkId === id && a.gen === gen);
    if (kept) {
      addrs.push(kept);
      continue;
    }
    const got = st.networks.take(id);
    if (!got) {
      st.releaseAddresses(added);
      return { ok: false, networkId: id };
    }
    const a = { networkId: id, gen: got.gen, addr: got.addr, cidr: got.cidr };
    addrs.push(a);
    added.push(a);
  }
  return { ok: true, addrs, added, dropped: prev.filter((a) => !addrs.includes(a)) };
}

/** Tasks of a service attach to ingress when the service's allocated endpoint has a VIP there. */
export function hasIngressVip(st: AllocationState, s: R<Service>): boolean {
  const id = st.ingressId;
  return id !== undefined && (s.Endpoint?.VirtualIPs ?? []).some((v) => v.NetworkID === id);
}
