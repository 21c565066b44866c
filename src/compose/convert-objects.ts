/**
 * A stack's networks, secrets and configs as Engine create requests. Only networks some
 * service uses are made (`default` when a service names none); external ones are only
 * checked for. Secrets and configs read their `file:` now; external ones are left alone.
 * Each is named `<stack>_<key>` unless the file gives a `name:`.
 */
import { readFileSync } from 'node:fs';
import type { ConfigSpec, SecretSpec } from '../api/secret.ts';
import type { NetworkCreateRequest } from './client.ts';
import { scoped, withStackLabel } from './namespace.ts';
import type { ComposeConfig, FileObjectConfig } from './types.ts';

export interface PlannedNetworks {
  /** To create when missing, ordered by name. */
  create: NetworkCreateRequest[];
  /** Names that must already exist, swarm-scoped. */
  external: string[];
}

export function usedNetworks(config: ComposeConfig): string[] {
  const used = new Set<string>();
  for (const s of config.services) {
    const names = Object.keys(s.networks ?? {});
    if (names.length === 0) used.add('default');
    for (const n of names) used.add(n);
  }
  return [...used].sort();
}

export function convertNetworks(stack: string, config: ComposeConfig): PlannedNetworks {
  const out: PlannedNetworks = { create: [], external: [] };
  for (const key of usedNetworks(config)) {
    const n = config.networks[key] ?? {};
    if (n.external) {
      out.external.push(n.name || key);
      continue;
    }
    const req: NetworkCreateRequest = {
      Name: n.name || scoped(stack, key),
      Labels: withStackLabel(stack, n.labels),
      Driver: n.driver || 'overlay',
      Scope: 'swarm',
    };
    if (n.driver_opts !== undefined) req.Options = n.driver_opts;
    if (n.internal) req.Internal = true;
    if (n.attachable) req.Attachable = true;
    if (n.ipam?.driver || (n.ipam?.config?.length ?? 0) > 0) {
      req.IPAM = {
        ...(n.ipam?.driver ? { Driver: n.ipam.driver } : {}),
        ...(n.ipam?.config ? { Config: n.ipam.config.map((c) => ({ Subnet: c.subnet })) } : {}),
      };
    }
    out.create.push(req);
  }
  out.create.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  return out;
}

type Read = (path: string) => Buffer;

function fileObject(stack: string, key: string, o: FileObjectConfig, read: Read): SecretSpec {
  const spec: SecretSpec = { Name: o.name || scoped(stack, key), Labels: withStackLabel(stack, o.labels) };
  if (!o.driver) spec.Data = read(o.file ?? '').toString('base64');
  if (o.template_driver) spec.Templating = { Name: o.template_driver };
  return spec;
}

const byName = (a: { Name: string }, b: { Name: string }) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);
const defaultRead: Read = (p) => readFileSync(p);

export function convertSecrets(stack: string, config: ComposeConfig, read: Read = defaultRead): SecretSpec[] {
  return Object.entries(config.secrets)
    .filter(([, s]) => !s.external)
    .map(([key, s]) => {
      const spec = fileObject(stack, key, s, read);
      if (s.driver) spec.Driver = { Name: s.driver, ...(s.driver_opts ? { Options: s.driver_opts } : {}) };
      return spec;
    })
    .sort(byName);
}

export function convertConfigs(stack: string, config: ComposeConfig, read: Read = defaultRead): ConfigSpec[] {
  return Object.entries(config.configs)
    .filter(([, c]) => !c.external)
    .map(([key, c]) => {
      const { Driver: _driver, ...spec } = fileObject(stack, key, c, read);
      return spec as ConfigSpec;
    })
    .sort(byName);
}
