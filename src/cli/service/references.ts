/**
 * Fills in what only the daemon knows, as the docker CLI does before create/update:
 * secret and config ids from their names (`secret not found: x`), network ids from names.
 */
import type { ServiceSpec } from '../../api/index.ts';
import type { ShoalClient } from '../client/api.ts';
import { CliError } from '../client/errors.ts';

export async function resolveReferences(api: ShoalClient, spec: ServiceSpec): Promise<ServiceSpec> {
  const c = spec.TaskTemplate.ContainerSpec;
  const pendingSecrets = (c?.Secrets ?? []).filter((s) => s.SecretID === '');
  if (pendingSecrets.length > 0) {
    const all = await api.secrets({ name: pendingSecrets.map((s) => s.SecretName) });
    for (const s of pendingSecrets) {
      const found = all.find((x) => x.Spec.Name === s.SecretName || x.ID === s.SecretName);
      if (found === undefined) throw new CliError(`secret not found: ${s.SecretName}`);
      s.SecretID = found.ID;
      s.SecretName = found.Spec.Name;
    }
  }
  const pendingConfigs = (c?.Configs ?? []).filter((s) => s.ConfigID === '');
  if (pendingConfigs.length > 0) {
    const all = await api.configs({ name: pendingConfigs.map((s) => s.ConfigName) });
    for (const s of pendingConfigs) {
      const found = all.find((x) => x.Spec.Name === s.ConfigName || x.ID === s.ConfigName);
      if (found === undefined) throw new CliError(`config not found: ${s.ConfigName}`);
      s.ConfigID = found.ID;
      s.ConfigName = found.Spec.Name;
    }
  }
  for (const n of spec.TaskTemplate.Networks ?? []) {
    n.Target = (await api.network(n.Target)).Id;
  }
  return spec;
}

/** Network names given to --network-rm, as the ids the spec holds. */
export async function networkIds(api: ShoalClient, refs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of refs) {
    try {
      out.push((await api.network(r)).Id);
    } catch {
      out.push(r);
    }
  }
  return out;
}
