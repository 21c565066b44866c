/**
 * `stack rm`: services first (so nothing still uses what follows), then secrets, configs
 * and networks, each found by the stack's label and removed in name order with Docker's
 * lines ("Removing service app_web"). A failure is reported and the rest still removed;
 * the call then fails as a whole, as Docker's does.
 */
import type { StackClient } from './client.ts';
import { stackFilter } from './namespace.ts';
import { ComposeError } from './types.ts';

type Line = (line: string) => void;
const ignore: Line = () => {};
const byName =
  <T>(name: (x: T) => string) =>
  (a: T, b: T) =>
    name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;

async function removeAll<T>(
  kind: string,
  items: T[],
  name: (x: T) => string,
  id: (x: T) => string,
  remove: (id: string) => Promise<void>,
  out: Line,
  err: Line,
): Promise<boolean> {
  let ok = true;
  for (const x of [...items].sort(byName(name))) {
    out(`Removing ${kind} ${name(x)}`);
    try {
      await remove(id(x));
    } catch (e) {
      err(`Failed to remove ${kind} ${id(x)}: ${(e as Error).message}`);
      ok = false;
    }
  }
  return ok;
}

export function removeServices(
  client: StackClient,
  services: Array<{ ID: string; Spec: { Name: string } }>,
  out: Line = ignore,
  err: Line = ignore,
): Promise<boolean> {
  return removeAll(
    'service',
    services,
    (s) => s.Spec.Name,
    (s) => s.ID,
    (id) => client.removeService(id),
    out,
    err,
  );
}

export interface RemoveOptions {
  out?: Line;
  err?: Line;
}

/** Returns false when the stack had nothing (after saying so on `err`). */
export async function removeStack(
  client: StackClient,
  stack: string,
  o: RemoveOptions = {},
): Promise<boolean> {
  const out = o.out ?? ignore;
  const err = o.err ?? ignore;
  const f = stackFilter(stack);
  const [services, secrets, configs, networks] = await Promise.all([
    client.listServices(f),
    client.listSecrets(f),
    client.listConfigs(f),
    client.listNetworks(f),
  ]);
  if (services.length + secrets.length + configs.length + networks.length === 0) {
    err(`Nothing found in stack: ${stack}`);
    return false;
  }
  const results = [
    await removeServices(client, services, out, err),
    await removeAll(
      'secret',
      secrets,
      (s) => s.Spec.Name,
      (s) => s.ID,
      (id) => client.removeSecret(id),
      out,
      err,
    ),
    await removeAll(
      'config',
      configs,
      (s) => s.Spec.Name,
      (s) => s.ID,
      (id) => client.removeConfig(id),
      out,
      err,
    ),
    await removeAll(
      'network',
      networks,
      (n) => n.Name,
      (n) => n.Id,
      (id) => client.removeNetwork(id),
      out,
      err,
    ),
  ];
  if (results.includes(false)) throw new ComposeError(`Failed to remove some resources from stack: ${stack}`);
  return true;
}
