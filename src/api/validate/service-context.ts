/**
 * The service checks that need the cluster's state, as swarmkit's controlapi runs them
 * (create order): no explicit attachment to the ingress network, published ports free,
 * an ingress network present when a port is published in ingress mode, and every
 * referenced secret and config existing under the name the reference gives. Pure over the
 * data handed in: controlapi calls `serviceContextProblems` inside its store transaction.
 * On update swarmkit checks ports only when the EndpointSpec changed; the caller decides.
 */
import type { Network } from '../network.ts';
import type { Config, Secret } from '../secret.ts';
import type { PortConfig, Service, ServiceSpec } from '../service.ts';
import { portProtocol, portPublishMode } from './endpoint.ts';
import { type Problem, swarmkitProblem } from './problem.ts';

export interface ServiceContext {
  /** The service's own id on update (its ports do not conflict with themselves). */
  readonly serviceId?: string;
  /** Every stored service. */
  readonly services?: readonly Service[];
  /** Network by id (the controlapi has resolved names to ids before). */
  readonly network?: (id: string) => Network | undefined;
  readonly ingressNetworkExists?: boolean;
  readonly secret?: (id: string) => Secret | undefined;
  readonly config?: (id: string) => Config | undefined;
}

export function ingressAttachmentProblems(
  spec: ServiceSpec,
  network: (id: string) => Network | undefined,
): Problem[] {
  const out: Problem[] = [];
  for (const [i, na] of (spec.TaskTemplate?.Networks ?? []).entries()) {
    const n = na ? network(na.Target) : undefined;
    if (n?.Spec.Ingress) {
      const msg = `Service cannot be explicitly attached to the ingress network "${n.Spec.Name}"`;
      out.push(swarmkitProblem(`TaskTemplate.Networks.${i}.Target`, msg));
    }
  }
  return out;
}

const portKey = (p: PortConfig): string => `${p.PublishedPort ?? 0}/${portProtocol(p)}`;

/** swarmkit's checkPortConflicts: the first conflict with another service's ports. */
export function portConflictProblems(
  spec: ServiceSpec,
  services: readonly Service[],
  serviceId?: string,
): Problem[] {
  const ingress = new Set<string>();
  const host = new Set<string>();
  for (const p of spec.EndpointSpec?.Ports ?? []) {
    if (!p?.PublishedPort) continue;
    (portPublishMode(p) === 'ingress' ? ingress : host).add(portKey(p));
  }
  if (ingress.size === 0 && host.size === 0) return [];
  for (const svc of services) {
    if (serviceId !== undefined && serviceId !== '' && svc.ID === serviceId) continue;
    for (const pc of [...(svc.Spec.EndpointSpec?.Ports ?? []), ...(svc.Endpoint?.Ports ?? [])]) {
      if (!pc?.PublishedPort) continue;
      const key = portKey(pc);
      const who = `port '${pc.PublishedPort}' is already in use by service '${svc.Spec.Name}' (${svc.ID})`;
      if (portPublishMode(pc) === 'host') {
        if (ingress.has(key))
          return [swarmkitProblem('EndpointSpec.Ports', `${who} as a host-published port`)];
      } else if (ingress.has(key) || host.has(key)) {
        return [swarmkitProblem('EndpointSpec.Ports', `${who} as an ingress port`)];
      }
    }
  }
  return [];
}

/** allocator.IsIngressNetworkNeeded: some port is published through the routing mesh. */
export function needsIngressNetwork(spec: ServiceSpec): boolean {
  return (spec.EndpointSpec?.Ports ?? []).some((p) => portPublishMode(p ?? {}) === 'ingress');
}

function missing(kind: 'secret' | 'config', names: string[], field: string): Problem[] {
  if (names.length === 0) return [];
  return [swarmkitProblem(field, `${kind}${names.length === 1 ? '' : 's'} not found: ${names.join(', ')}`)];
}

/** swarmkit's checkSecretExistence / checkConfigExistence: each reference's id names an object of that name. */
export function referencedObjectProblems(
  spec: ServiceSpec,
  secret?: (id: string) => Secret | undefined,
  config?: (id: string) => Config | undefined,
): Problem[] {
  const c = spec.TaskTemplate?.ContainerSpec;
  // null entries are refused by validateServiceSpec ("malformed ... reference"); skip them here
  const secretRefs = (c?.Secrets ?? []).filter((r) => r != null);
  const configRefs = (c?.Configs ?? []).filter((r) => r != null);
  const badSecrets = secret
    ? secretRefs.filter((r) => secret(r.SecretID)?.Spec.Name !== r.SecretName).map((r) => r.SecretName)
    : [];
  const badConfigs = config
    ? configRefs.filter((r) => config(r.ConfigID)?.Spec.Name !== r.ConfigName).map((r) => r.ConfigName)
    : [];
  return [
    ...missing('secret', badSecrets, 'TaskTemplate.ContainerSpec.Secrets'),
    ...missing('config', badConfigs, 'TaskTemplate.ContainerSpec.Configs'),
  ];
}

/** All state-dependent problems of a (valid) spec, in swarmkit's order; absent data is not checked. */
export function serviceContextProblems(spec: ServiceSpec, ctx: ServiceContext): Problem[] {
  const out: Problem[] = [];
  if (ctx.network) out.push(...ingressAttachmentProblems(spec, ctx.network));
  if (ctx.services) out.push(...portConflictProblems(spec, ctx.services, ctx.serviceId));
  if (ctx.ingressNetworkExists === false && needsIngressNetwork(spec)) {
    const msg = 'service needs ingress network, but no ingress network is present';
    out.push(swarmkitProblem('EndpointSpec.Ports', msg, 'FailedPrecondition'));
  }
  out.push(...referencedObjectProblems(spec, ctx.secret, ctx.config));
  return out;
}
