/**
 * Services and tasks in the Engine's JSON. Our objects are shaped after the Engine API, so
 * mapping is mostly leaving out what is ours alone and writing the wire names:
 *
 *   Service   - SpecVersion (the orchestrators' bookkeeping)
 *             + Endpoint always present ({"Spec": {}} before the allocator's pass: Go's
 *               struct is never omitted), Spec.Labels always present
 *   Task      - SpecVersion, ServiceAnnotations, Endpoint (the allocator's and the
 *               executor's copies); NetworksAttachments carry the whole network when the
 *               caller can look it up, as Docker's do
 *   both      ContainerSpec.HealthCheck -> Healthcheck (Go's field name), Go's nulls gone
 */
import type { Network } from '../../api/network.ts';
import type { Service, ServiceSpec } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import type { ServiceListItem } from '../../manager/controlapi/index.ts';
import type { Stored } from '../../store/index.ts';
import { wireTaskSpec } from '../keys.ts';
import { stripNulls } from '../request.ts';

type Json = Record<string, unknown>;

function meta(
  o: Stored<{ ID: string; Version: { Index: number }; CreatedAt: string; UpdatedAt: string }>,
): Json {
  return { ID: o.ID, Version: { Index: o.Version.Index }, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt };
}

export function serviceSpecToEngine(spec: Stored<ServiceSpec>): Json {
  return { ...spec, Labels: spec.Labels ?? {}, TaskTemplate: wireTaskSpec(spec.TaskTemplate) };
}

export function serviceToEngine(s: Stored<Service> | ServiceListItem): Json {
  const out: Json = { ...meta(s), Spec: serviceSpecToEngine(s.Spec) };
  if (s.PreviousSpec !== undefined) out.PreviousSpec = serviceSpecToEngine(s.PreviousSpec);
  const e = s.Endpoint;
  out.Endpoint = {
    Spec: e?.Spec ?? {},
    ...(e?.Ports !== undefined ? { Ports: e.Ports } : {}),
    ...(e?.VirtualIPs !== undefined ? { VirtualIPs: e.VirtualIPs } : {}),
  };
  if (s.UpdateStatus !== undefined) out.UpdateStatus = s.UpdateStatus;
  const status = (s as ServiceListItem).ServiceStatus;
  if (status !== undefined) out.ServiceStatus = status;
  if (s.JobStatus !== undefined) out.JobStatus = s.JobStatus;
  return stripNulls(out) as Json;
}

/** swarm.Network as Docker embeds it in a task's attachment. */
function swarmNetwork(n: Stored<Network>): Json {
  return {
    ...meta(n),
    Spec: n.Spec,
    ...(n.DriverState ? { DriverState: n.DriverState } : {}),
    ...(n.IPAMOptions ? { IPAMOptions: n.IPAMOptions } : {}),
  };
}

export type NetworkLookup = (id: string) => Stored<Network> | undefined;

export function taskToEngine(t: Stored<Task>, network: NetworkLookup = () => undefined): Json {
  const out: Json = { ...meta(t) };
  if (t.Name !== undefined) out.Name = t.Name;
  out.Labels = t.Labels ?? {};
  out.Spec = wireTaskSpec(t.Spec);
  out.ServiceID = t.ServiceID;
  if (t.Slot) out.Slot = t.Slot;
  if (t.NodeID) out.NodeID = t.NodeID;
  if (t.AssignedGenericResources !== undefined) out.AssignedGenericResources = t.AssignedGenericResources;
  const { MeshEndpoints: _mesh, ...status } = t.Status;
  out.Status = { ...status, PortStatus: t.Status.PortStatus ?? {} };
  out.DesiredState = t.DesiredState;
  if (t.NetworksAttachments !== undefined) {
    out.NetworksAttachments = t.NetworksAttachments.map((a) => {
      const n = network(a.Network.ID);
      return { Network: n ? swarmNetwork(n) : { ID: a.Network.ID }, Addresses: a.Addresses };
    });
  }
  if (t.JobIteration !== undefined) out.JobIteration = t.JobIteration;
  return stripNulls(out) as Json;
}
