/**
 * Swarm-scoped networks (overlay): create, get, list, remove. Networks have no update in
 * Docker's API.
 *
 *   create   validateNetworkSpec (pre-defined names, ingress rules, name, reserved label,
 *            driver, IPAM) ─► one ingress network at most (`ingress network (<id>) is
 *            already present`) ─► a taken name: `network with name n already exists`
 *   remove   the pre-defined ingress (label com.docker.swarm.predefined=true) never; the
 *            ingress network while a service publishes a port through the routing mesh
 *            (`ingress network cannot be removed because service <id> depends on it`);
 *            another network while a service is attached (`network <id> is in use by
 *            service <id>`) or a task still runs on it (`... is in use by task <id>`)
 *   filters  moby's network list: driver and scope exactly, name and id exactly or as a
 *            regular expression, label, type (builtin/custom), dangling (unused)
 */
import type { Network, NetworkSpec } from '../../api/network.ts';
import type { Service } from '../../api/service.ts';
import { TASK_STATES } from '../../api/task-state.ts';
import { needsIngressNetwork, validateNetworkSpec } from '../../api/validate/index.ts';
import type { ReadTx, Stored } from '../../store/index.ts';
import { type ControlContext, makeId, resolve } from './context.ts';
import { daemonError, rpcError, storeWrite, throwProblems } from './errors.ts';
import { type FilterInput, Filters } from './filters.ts';

const ACCEPTED = ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type'] as const;
const PREDEFINED_LABEL = 'com.docker.swarm.predefined';
/** The Engine's pre-defined (builtin) network names; none of them is ever a swarm network. */
const BUILTIN = new Set(['bridge', 'host', 'none', 'default']);

export function driverOf(n: Stored<Network>): string {
  return n.Spec.DriverConfiguration?.Name || 'overlay';
}

export function getNetwork(ctx: ControlContext, ref: string): Stored<Network> {
  return ctx.store.view((tx) => resolve(tx.networks, ref));
}

export async function createNetwork(ctx: ControlContext, raw: unknown): Promise<Stored<Network>> {
  throwProblems(validateNetworkSpec(raw));
  const given = raw as NetworkSpec;
  const spec: NetworkSpec = {
    ...given,
    Labels: { ...(given.Labels ?? {}) },
    DriverConfiguration: given.DriverConfiguration ?? { Name: 'overlay' },
    Scope: 'swarm',
  };
  const id = makeId(ctx);
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const ingress = spec.Ingress ? tx.networks.all().find((n) => n.Spec.Ingress === true) : undefined;
      if (ingress !== undefined) {
        throw rpcError(
          'already_exists',
          'AlreadyExists',
          `ingress network (${ingress.ID}) is already present`,
        );
      }
      tx.networks.create({ ID: id, Spec: spec });
    }),
  );
  ctx.log.info({ network: id, name: spec.Name }, 'network created');
  return getNetwork(ctx, id);
}

/** Services that keep the network busy, smallest id first (swarmkit reads them in id order). */
function usersOf(tx: ReadTx, n: Stored<Network>): Stored<Service>[] {
  const users = n.Spec.Ingress
    ? tx.services.all().filter((s) => needsIngressNetwork(s.Spec as Service['Spec']))
    : tx.services.byNetwork(n.ID);
  return users.sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
}

function inUseProblem(tx: ReadTx, n: Stored<Network>): string | undefined {
  const service = usersOf(tx, n)[0];
  if (n.Spec.Ingress) {
    return service && `ingress network cannot be removed because service ${service.ID} depends on it`;
  }
  if (service !== undefined) return `network ${n.ID} is in use by service ${service.ID}`;
  const running = TASK_STATES.running;
  for (const t of tx.tasks.all()) {
    if (TASK_STATES[t.DesiredState] > running || TASK_STATES[t.Status.State] > running) continue;
    if (t.NetworksAttachments?.some((a) => a.Network.ID === n.ID)) {
      return `network ${n.ID} is in use by task ${t.ID}`;
    }
  }
  return undefined;
}

export async function removeNetwork(ctx: ControlContext, ref: string): Promise<void> {
  const { ID: id } = getNetwork(ctx, ref);
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const n = tx.networks.get(id);
      if (n === undefined) throw rpcError('not_found', 'NotFound', `network ${id} not found`);
      if (n.Spec.Labels?.[PREDEFINED_LABEL] === 'true') {
        const msg = `network ${id} (${n.Spec.Name}) is a swarm predefined network and cannot be removed`;
        throw rpcError('failed_precondition', 'FailedPrecondition', msg);
      }
      const busy = inUseProblem(tx, n);
      if (busy !== undefined) throw rpcError('failed_precondition', 'FailedPrecondition', busy);
      tx.networks.delete(id);
    }),
  );
  ctx.log.info({ network: id }, 'network removed');
}

function danglingOnly(f: Filters): boolean | undefined {
  const values = f.get('dangling');
  if (values.length === 0) return undefined;
  if (values.length > 1) {
    throw daemonError('invalid_argument', 'got more than one value for filter key "dangling"', 400);
  }
  if (values[0] === 'true' || values[0] === '1') return true;
  if (values[0] === 'false' || values[0] === '0') return false;
  const msg = `invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`;
  throw daemonError('invalid_argument', msg, 400);
}

/** The `type` filter's values; moby refuses others with a plain error, which Docker answers with 500. */
function types(f: Filters): string[] {
  const out = [...f.get('type')];
  for (const t of out) {
    if (t !== 'builtin' && t !== 'custom')
      throw daemonError('invalid_argument', `invalid filter: 'type'='${t}'`, 500);
  }
  return out;
}

function typeMatches(wanted: readonly string[], n: Stored<Network>): boolean {
  if (wanted.length === 0) return true;
  return wanted.includes(BUILTIN.has(n.Spec.Name) ? 'builtin' : 'custom');
}

export function listNetworks(ctx: ControlContext, opts: { filters?: FilterInput } = {}): Stored<Network>[] {
  const f = Filters.parse(opts.filters).validate(ACCEPTED);
  const dangling = danglingOnly(f);
  const wantedTypes = types(f);
  return ctx.store.view((tx) =>
    tx.networks
      .all()
      .filter(
        (n) =>
          f.exact('driver', driverOf(n)) &&
          f.match('name', n.Spec.Name) &&
          f.match('id', n.ID) &&
          f.labels('label', n.Spec.Labels) &&
          f.exact('scope', 'swarm') &&
          (dangling === undefined || dangling === (usersOf(tx, n).length === 0)) &&
          typeMatches(wantedTypes, n),
      )
      .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)),
  );
}
