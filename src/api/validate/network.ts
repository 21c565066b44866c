/**
 * Swarm-scoped network specs (`docker network create -d overlay`), in Docker's order:
 * - daemon: bridge, host, none and default are pre-defined names (403);
 * - swarmkit (controlapi/network.go): an ingress network uses the overlay driver and is
 *   not attachable; the name follows the service rule (DNS component, 63 characters); the
 *   com.docker.swarm.predefined label is reserved; a driver, if given, has a name and is
 *   known; IPAM configs have a subnet in CIDR form, a range inside it and a gateway in it.
 * Shoal runs only the overlay driver and the default IPAM driver: Docker's other built-in
 * drivers are refused as origin 'shoal'; any other name fails like a missing plugin.
 */
import type { IPAMConfig, NetworkSpec } from '../network.ts';
import { NETWORK_SPEC } from './engine-schema.ts';
import { cidrContains, parseCidr, parseIp } from './ip.ts';
import { serviceNameProblem } from './names.ts';
import { engineProblem, type Problem, shoalProblem, swarmkitProblem, throwIfProblems } from './problem.ts';
import { shapeProblems } from './shape.ts';

const PREDEFINED_NAMES = new Set(['bridge', 'host', 'none', 'default']);
const PREDEFINED_LABEL = 'com.docker.swarm.predefined';
const OTHER_BUILTIN_DRIVERS = new Set(['bridge', 'host', 'macvlan', 'ipvlan']);

function driverProblem(
  driver: { Name?: string } | undefined | null,
  field: string,
  known: (name: string) => boolean,
): Problem | undefined {
  if (!driver) return undefined;
  const name = driver.Name ?? '';
  if (name === '') return swarmkitProblem(field, 'driver name: if driver is specified name is required');
  if (known(name.toLowerCase())) return undefined;
  if (OTHER_BUILTIN_DRIVERS.has(name.toLowerCase())) {
    return shoalProblem(field, `network driver ${name} is not supported by shoal: use overlay`);
  }
  return swarmkitProblem(field, `error during lookup of plugin ${name}`);
}

function ipamConfigProblem(c: IPAMConfig | null | undefined, field: string): Problem | undefined {
  if (!c) return swarmkitProblem(field, 'ipam configuration: cannot be empty');
  const subnetText = c.Subnet ?? '';
  const subnet = parseCidr(subnetText);
  if (!subnet) return swarmkitProblem(`${field}.Subnet`, `ipam configuration: invalid subnet ${subnetText}`);
  if (c.IPRange) {
    const range = parseCidr(c.IPRange);
    if (!range) return swarmkitProblem(`${field}.IPRange`, `ipam configuration: invalid range ${c.IPRange}`);
    if (!cidrContains(subnet, range.ip)) {
      const msg = `ipam configuration: subnet ${subnetText} does not contain range ${c.IPRange}`;
      return swarmkitProblem(`${field}.IPRange`, msg);
    }
  }
  if (c.Gateway) {
    const gw = parseIp(c.Gateway);
    if (gw === null)
      return swarmkitProblem(`${field}.Gateway`, `ipam configuration: invalid gateway ${c.Gateway}`);
    if (!cidrContains(subnet, gw)) {
      const msg = `ipam configuration: subnet ${subnetText} does not contain gateway ${c.Gateway}`;
      return swarmkitProblem(`${field}.Gateway`, msg);
    }
  }
  return undefined;
}

export function validateNetworkSpec(spec: unknown): Problem[] {
  const shape = shapeProblems(spec, NETWORK_SPEC);
  if (shape.length > 0) return shape;
  const s = (spec ?? {}) as Partial<NetworkSpec>;
  const out: Problem[] = [];
  const push = (p: Problem | undefined) => p && out.push(p);
  if (PREDEFINED_NAMES.has(s.Name ?? '')) {
    out.push(engineProblem('Name', `${s.Name} is a pre-defined network and cannot be created`, 403));
  }
  const driver = s.DriverConfiguration;
  if (s.Ingress && driver && driver.Name !== 'overlay') {
    const msg = 'only overlay driver is currently supported for ingress network';
    out.push(swarmkitProblem('DriverConfiguration.Name', msg, 'Unimplemented'));
  }
  if (s.Attachable && s.Ingress)
    out.push(swarmkitProblem('Attachable', 'ingress network cannot be attachable'));
  push(serviceNameProblem(s.Name));
  if (s.Labels && Object.hasOwn(s.Labels, PREDEFINED_LABEL)) {
    const msg = `label ${PREDEFINED_LABEL} is for internally created predefined networks and cannot be applied by users`;
    out.push(swarmkitProblem('Labels', msg, 'PermissionDenied'));
  }
  push(driverProblem(driver, 'DriverConfiguration.Name', (n) => n === 'overlay'));
  const ipam = s.IPAMOptions;
  if (ipam) {
    push(driverProblem(ipam.Driver, 'IPAMOptions.Driver.Name', (n) => n === 'default'));
    for (const [i, c] of (ipam.Configs ?? []).entries())
      push(ipamConfigProblem(c, `IPAMOptions.Configs.${i}`));
  }
  return out;
}

export function assertValidNetworkSpec(spec: unknown): asserts spec is NetworkSpec {
  throwIfProblems(validateNetworkSpec(spec));
}
