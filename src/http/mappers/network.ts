/**
 * Networks between the Engine's shapes and ours.
 *
 * In (POST /networks/create, moby convert.BasicNetworkCreateToGRPC): Driver and Options
 * become DriverConfiguration, IPAM its IPAMOptions (driver `default` when unnamed, IPRange
 * kept), EnableIPv6 -> IPv6Enabled; Scope, CheckDuplicate, ConfigOnly are the local
 * daemon's business (a swarm network is always swarm-scoped).
 *
 * Out (moby convert.BasicNetworkFromGRPC, network.Inspect): Id, Created, Scope `swarm`,
 * the allocated driver and IPAM (the spec's until the allocator has run), Labels and
 * Options always present, Containers empty (tasks attach on their nodes, not here).
 */
import type { Network } from '../../api/network.ts';
import type { Stored } from '../../store/index.ts';
import { stripNulls } from '../request.ts';

type Json = Record<string, unknown>;

interface EngineNetworkCreate {
  Name?: unknown;
  Driver?: string;
  Options?: Record<string, string>;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  Labels?: Record<string, string>;
  IPAM?: {
    Driver?: string;
    Options?: Record<string, string>;
    Config?: Array<{ Subnet?: string; IPRange?: string; Gateway?: string }>;
  };
  ConfigFrom?: { Network?: string };
}

/** The swarm NetworkSpec for an Engine create request (a non-object passes through for validation). */
export function networkCreateToSpec(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const c = body as EngineNetworkCreate;
  const spec: Record<string, unknown> = { Name: c.Name ?? '', Labels: c.Labels ?? {} };
  if (c.Driver) spec.DriverConfiguration = { Name: c.Driver, ...(c.Options ? { Options: c.Options } : {}) };
  if (c.EnableIPv6 !== undefined) spec.IPv6Enabled = c.EnableIPv6;
  if (c.Internal !== undefined) spec.Internal = c.Internal;
  if (c.Attachable !== undefined) spec.Attachable = c.Attachable;
  if (c.Ingress !== undefined) spec.Ingress = c.Ingress;
  if (c.IPAM !== undefined) {
    spec.IPAMOptions = {
      Driver: { Name: c.IPAM.Driver || 'default', ...(c.IPAM.Options ? { Options: c.IPAM.Options } : {}) },
      Configs: (c.IPAM.Config ?? []).map((x) => ({
        ...(x.Subnet ? { Subnet: x.Subnet } : {}),
        ...(x.IPRange ? { IPRange: x.IPRange } : {}),
        ...(x.Gateway ? { Gateway: x.Gateway } : {}),
      })),
    };
  }
  return spec;
}

export function networkToEngine(n: Stored<Network>): Json {
  const spec = n.Spec;
  const ipam = n.IPAMOptions ?? spec.IPAMOptions;
  const ipamDriver = n.IPAMOptions?.Driver ?? spec.IPAMOptions?.Driver;
  return stripNulls({
    Name: spec.Name,
    Id: n.ID,
    Created: n.CreatedAt,
    Scope: 'swarm',
    Driver: n.DriverState?.Name || spec.DriverConfiguration?.Name || 'overlay',
    EnableIPv6: spec.IPv6Enabled ?? false,
    IPAM: {
      Driver: ipamDriver?.Name || 'default',
      Options: (ipamDriver as { Options?: Record<string, string> } | undefined)?.Options ?? {},
      Config: (ipam?.Configs ?? []).map((x) => ({ ...x })),
    },
    Internal: spec.Internal ?? false,
    Attachable: spec.Attachable ?? false,
    Ingress: spec.Ingress ?? false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: n.DriverState?.Options ?? spec.DriverConfiguration?.Options ?? {},
    Labels: spec.Labels ?? {},
  }) as Json;
}
