/**
 * `stack deploy`: make the cluster hold what the compose file says, in Docker's order and
 * with Docker's progress lines:
 *
 *   prune (with --prune: "Removing service app_old")
 *   -> external networks checked -> missing networks created ("Creating network app_default")
 *   -> secrets and configs created ("Creating secret app_pw") or their labels updated
 *   -> services created ("Creating service app_web") or updated in place
 *      ("Updating service app_web (id: ...)"), keeping the version they were read at.
 *
 * An update that would not change the spec is not sent, so an unchanged file bumps no
 * version. As with `--resolve-image never|changed`, an unchanged image keeps the reference
 * the service already runs (perhaps pinned to a digest); `always` sends the file's.
 */
import type { ServiceSpec } from '../api/service.ts';
import type { StackClient } from './client.ts';
import { type ConvertOptions, convertStack, type StackPlan } from './convert.ts';
import { LABEL_IMAGE, scoped, stackFilter } from './namespace.ts';
import { removeServices } from './remove.ts';
import { sameSpec } from './spec-equal.ts';
import { type ComposeConfig, ComposeError } from './types.ts';

export type ResolveImage = 'always' | 'changed' | 'never';

export interface DeployOptions extends ConvertOptions {
  prune?: boolean;
  resolveImage?: ResolveImage;
  /** Progress lines (Docker prints them on stdout), without newline. */
  out?: (line: string) => void;
  /** Warnings (stderr), without newline. */
  err?: (line: string) => void;
}

export interface DeployResult {
  plan: StackPlan;
  /** Service IDs in deploy order (what a caller waits on for convergence). */
  serviceIds: string[];
  created: string[];
  updated: string[];
  unchanged: string[];
  pruned: string[];
}

const ignore = () => {};

async function checkExternalNetworks(client: StackClient, names: string[]): Promise<void> {
  for (const name of names) {
    if (['bridge', 'host', 'none', 'default'].includes(name) || name.startsWith('container:')) continue;
    const n = await client.inspectNetwork(name);
    if (n === undefined) {
      throw new ComposeError(
        `network "${name}" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed`,
      );
    }
    if (n.Scope !== 'swarm') {
      throw new ComposeError(
        `network "${name}" is declared as external, but it is not in the right scope: "${n.Scope}" instead of "swarm"`,
      );
    }
  }
}

async function createNetworks(client: StackClient, plan: StackPlan, out: (l: string) => void): Promise<void> {
  const existing = new Set((await client.listNetworks(stackFilter(plan.stack))).map((n) => n.Name));
  for (const req of plan.networks.create) {
    if (existing.has(req.Name)) continue;
    out(`Creating network ${req.Name}`);
    try {
      await client.createNetwork(req);
    } catch (e) {
      throw new ComposeError(`failed to create network ${req.Name}: ${(e as Error).message}`);
    }
  }
}

type Blob = { Name: string; Labels?: Record<string, string>; Data?: string };
interface BlobApi<S extends Blob> {
  kind: 'secret' | 'config';
  list(names: string[]): Promise<Array<{ ID: string; Version: { Index: number }; Spec: S }>>;
  create(spec: S): Promise<unknown>;
  update(id: string, version: number, spec: S): Promise<void>;
}

/** Creates what is missing; an existing one is updated only when what we can see differs. */
async function createBlobs<S extends Blob>(
  api: BlobApi<S>,
  specs: S[],
  out: (l: string) => void,
): Promise<void> {
  if (specs.length === 0) return;
  const existing = new Map((await api.list(specs.map((s) => s.Name))).map((x) => [x.Spec.Name, x]));
  for (const spec of specs) {
    const cur = existing.get(spec.Name);
    try {
      if (cur === undefined) {
        out(`Creating ${api.kind} ${spec.Name}`);
        await api.create(spec);
      } else {
        const visible = (s: Blob) => ({
          Labels: s.Labels,
          ...(cur.Spec.Data !== undefined ? { Data: s.Data } : {}),
        });
        if (!sameSpec(visible(cur.Spec), visible(spec))) await api.update(cur.ID, cur.Version.Index, spec);
      }
    } catch (e) {
      const verb = cur === undefined ? 'create' : 'update';
      throw new ComposeError(`failed to ${verb} ${api.kind} ${spec.Name}: ${(e as Error).message}`);
    }
  }
}

/** Fills secret and config IDs into the specs' references (by name, as the CLI does). */
async function resolveReferences(client: StackClient, services: ServiceSpec[]): Promise<void> {
  const secretNames = new Set<string>();
  const configNames = new Set<string>();
  for (const s of services) {
    for (const r of s.TaskTemplate.ContainerSpec?.Secrets ?? []) secretNames.add(r.SecretName);
    for (const r of s.TaskTemplate.ContainerSpec?.Configs ?? []) configNames.add(r.ConfigName);
  }
  const secretIds = new Map<string, string>();
  if (secretNames.size > 0) {
    for (const x of await client.listSecrets({ name: [...secretNames] })) secretIds.set(x.Spec.Name, x.ID);
  }
  const configIds = new Map<string, string>();
  if (configNames.size > 0) {
    for (const x of await client.listConfigs({ name: [...configNames] })) configIds.set(x.Spec.Name, x.ID);
  }
  for (const s of services) {
    const c = s.TaskTemplate.ContainerSpec;
    for (const r of c?.Secrets ?? []) {
      const id = secretIds.get(r.SecretName);
      if (id === undefined) throw new ComposeError(`service ${s.Name}: secret not found: ${r.SecretName}`);
      r.SecretID = id;
    }
    for (const r of c?.Configs ?? []) {
      const id = configIds.get(r.ConfigName);
      if (id === undefined) throw new ComposeError(`service ${s.Name}: config not found: ${r.ConfigName}`);
      r.ConfigID = id;
    }
  }
}

/** The Engine keeps attachments by network ID; the file names them. */
export function withNetworkNames(spec: ServiceSpec, names: Map<string, string>): ServiceSpec {
  const nets = spec.TaskTemplate.Networks;
  if (nets === undefined) return spec;
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      Networks: nets.map((n) => ({ ...n, Target: names.get(n.Target) ?? n.Target })),
    },
  };
}

export async function deployStack(
  client: StackClient,
  stack: string,
  config: ComposeConfig,
  o: DeployOptions = {},
): Promise<DeployResult> {
  const out = o.out ?? ignore;
  const err = o.err ?? ignore;
  const plan = convertStack(stack, config, o);
  const result: DeployResult = { plan, serviceIds: [], created: [], updated: [], unchanged: [], pruned: [] };

  if (o.prune) {
    const wanted = new Set(config.services.map((s) => scoped(stack, s.name)));
    const stale = (await client.listServices(stackFilter(stack))).filter((s) => !wanted.has(s.Spec.Name));
    await removeServices(client, stale, out, err);
    result.pruned = stale.map((s) => s.Spec.Name);
  }

  await checkExternalNetworks(client, plan.networks.external);
  await createNetworks(client, plan, out);
  await createBlobs(
    {
      kind: 'secret',
      list: (name) => client.listSecrets({ name }),
      create: (s) => client.createSecret(s),
      update: (id, v, s) => client.updateSecret(id, v, s),
    },
    plan.secrets,
    out,
  );
  await createBlobs(
    {
      kind: 'config',
      list: (name) => client.listConfigs({ name }),
      create: (s) => client.createConfig(s),
      update: (id, v, s) => client.updateConfig(id, v, s),
    },
    plan.configs,
    out,
  );

  await resolveReferences(client, plan.services);
  const networkNames = new Map((await client.listNetworks()).map((n) => [n.Id, n.Name]));
  const existing = new Map((await client.listServices(stackFilter(stack))).map((s) => [s.Spec.Name, s]));
  const resolve = o.resolveImage ?? 'always';
  for (const spec of plan.services) {
    const cur = existing.get(spec.Name);
    if (cur === undefined) {
      out(`Creating service ${spec.Name}`);
      try {
        const created = await client.createService(spec);
        result.serviceIds.push(created.ID);
        result.created.push(spec.Name);
      } catch (e) {
        throw new ComposeError(`failed to create service ${spec.Name}: ${(e as Error).message}`);
      }
      continue;
    }
    out(`Updating service ${spec.Name} (id: ${cur.ID})`);
    const container = spec.TaskTemplate.ContainerSpec;
    const curImage = cur.Spec.TaskTemplate.ContainerSpec?.Image;
    if (container && resolve !== 'always' && container.Image === cur.Spec.Labels?.[LABEL_IMAGE] && curImage) {
      container.Image = curImage;
    }
    if (cur.Spec.TaskTemplate.ForceUpdate !== undefined)
      spec.TaskTemplate.ForceUpdate = cur.Spec.TaskTemplate.ForceUpdate;
    result.serviceIds.push(cur.ID);
    if (sameSpec(spec, withNetworkNames(cur.Spec, networkNames))) {
      result.unchanged.push(spec.Name);
      continue;
    }
    try {
      const r = await client.updateService(cur.ID, cur.Version.Index, spec);
      for (const w of r.Warnings ?? []) err(w);
      result.updated.push(spec.Name);
    } catch (e) {
      throw new ComposeError(`failed to update service ${spec.Name}: ${(e as Error).message}`);
    }
  }
  return result;
}
