/**
 * Creating, updating and removing services: the only writer of Service.Spec and
 * PreviousSpec (and, as swarmkit's controlapi, of SpecVersion, JobStatus and the
 * UpdateStatus reset/rollback start). In the order Docker checks:
 *
 *   create  name generated if empty ─► validateServiceSpec (stateless) ─► in the store
 *           transaction: network names -> ids (`network x not found`) ─► stored form ─►
 *           ingress attachment · port conflicts · ingress needed · secrets/configs exist ─►
 *           create (`name conflicts with an existing object: service web already exists`)
 *   update  rollback option ─► validateServiceSpec ─► in the transaction: resolve the
 *           service ─► networks ─► mode change / rename / networks migration ─► context
 *           (ports only if the EndpointSpec changed) ─► new spec or rollback ─► ingress
 *           needed ─► write at `version` (stale: `update out of sequence`, at apply time too)
 *
 * The spec version moves only when the spec changes: an update with the same spec keeps
 * Spec, PreviousSpec and SpecVersion (it still clears UpdateStatus, which is how `docker
 * service update <svc>` resumes a paused update). ForceUpdate is part of the spec, so
 * `--force` (ForceUpdate+1) is a change and redeploys. SpecVersion takes the version the
 * update was based on (swarmkit's scheme: distinct and growing, without knowing the index
 * the write will get); a rollback is a change too and gets a new SpecVersion.
 */
import type { Service, ServiceSpec } from '../../api/service.ts';
import { isJob } from '../../api/service.ts';
import type { NetworkAttachmentConfig } from '../../api/task-spec.ts';
import {
  normalizeServiceSpec,
  type ServiceContext,
  serviceContextProblems,
  validateServiceSpec,
} from '../../api/validate/index.ts';
import type { Stored, WriteTx } from '../../store/index.ts';
import {
  type ControlContext,
  checkedVersion,
  makeId,
  nowIso,
  resolve,
  sameJson,
  without,
} from './context.ts';
import { daemonError, rpcError, storeWrite, throwProblems } from './errors.ts';

export interface ServiceUpdateOptions {
  /** `''` or `'none'`: apply the spec; `'previous'`: go back to PreviousSpec. */
  readonly rollback?: string;
}

/** Docker's daemon names a nameless service before anything checks it. */
function withName(raw: unknown, ctx: ControlContext): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const name = (raw as { Name?: unknown }).Name;
  return name == null || name === '' ? { ...raw, Name: ctx.generateName() } : raw;
}

/** moby's populateNetworkID: attachment targets (names, prefixes) become network ids. */
function resolveNetworks(tx: WriteTx, spec: ServiceSpec): ServiceSpec {
  const fromTemplate = (spec.TaskTemplate?.Networks ?? []).length > 0;
  const list = fromTemplate ? spec.TaskTemplate.Networks : spec.Networks;
  if (!list || list.length === 0) return spec;
  const resolved = list.map(
    (na): NetworkAttachmentConfig => ({ ...na, Target: resolve(tx.networks, na.Target).ID }),
  );
  return fromTemplate
    ? { ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: resolved } }
    : { ...spec, Networks: resolved };
}

function ingressExists(tx: WriteTx): boolean {
  return tx.networks.all().some((n) => n.Spec.Ingress === true);
}

/** What serviceContextProblems checks against; the ingress check only when asked (create). */
function contextOf(tx: WriteTx, serviceId: string | undefined, checkPorts: boolean): ServiceContext {
  return {
    ...(serviceId !== undefined ? { serviceId } : { ingressNetworkExists: ingressExists(tx) }),
    ...(checkPorts ? { services: tx.services.all() as unknown as Service[] } : {}),
    network: (id) => tx.networks.get(id) as never,
    secret: (id) => tx.secrets.get(id) as never,
    config: (id) => tx.configs.get(id) as never,
  };
}

/** swarmkit checks an update's need for the ingress network last, on the final spec. */
function ingressProblems(tx: WriteTx, spec: ServiceSpec): void {
  throwProblems(serviceContextProblems(spec, { ingressNetworkExists: ingressExists(tx) }));
}

function rollbackOf(option: string | undefined): boolean {
  if (option === undefined || option === '' || option === 'none') return false;
  if (option === 'previous') return true;
  throw daemonError('invalid_argument', `unrecognized rollback option ${option}`, 400);
}

function stored(ctx: ControlContext, id: string): Stored<Service> {
  const svc = ctx.store.view((tx) => tx.services.get(id));
  if (svc === undefined) throw rpcError('not_found', 'NotFound', `service ${id} not found`);
  return svc;
}

export async function createService(ctx: ControlContext, raw: unknown): Promise<Stored<Service>> {
  const named = withName(raw, ctx);
  throwProblems(validateServiceSpec(named));
  const id = makeId(ctx);
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const spec = normalizeServiceSpec(resolveNetworks(tx, named as ServiceSpec));
      throwProblems(serviceContextProblems(spec, contextOf(tx, undefined, true)));
      const job = isJob(spec)
        ? { JobStatus: { JobIteration: { Index: 0 }, LastExecution: nowIso(ctx.clock) } }
        : {};
      tx.services.create({ ID: id, Spec: spec, SpecVersion: { Index: 0 }, ...job });
    }),
  );
  ctx.log.info({ service: id }, 'service created');
  return stored(ctx, id);
}

export async function updateService(
  ctx: ControlContext,
  ref: string,
  version: number,
  raw: unknown,
  opts: ServiceUpdateOptions = {},
): Promise<Stored<Service>> {
  const rollback = rollbackOf(opts.rollback);
  checkedVersion(version);
  throwProblems(validateServiceSpec(raw));
  let id = '';
  await storeWrite(() =>
    ctx.store.update((tx) => {
      const cur = resolve(tx.services, ref);
      id = cur.ID;
      const resolved = resolveNetworks(tx, raw as ServiceSpec);
      throwProblems(validateServiceSpec(resolved, { existing: cur as unknown as Service }));
      const requested = normalizeServiceSpec(resolved);
      const endpointChanged = !sameJson(requested.EndpointSpec, cur.Spec.EndpointSpec);
      throwProblems(serviceContextProblems(requested, contextOf(tx, cur.ID, endpointChanged)));
      const now = nowIso(ctx.clock);
      const next: Service = without(cur as unknown as Service, 'UpdateStatus');
      if (rollback) {
        if (cur.PreviousSpec === undefined) {
          const msg = `service ${cur.ID} does not have a previous spec`;
          throw rpcError('failed_precondition', 'FailedPrecondition', msg);
        }
        next.Spec = cur.PreviousSpec as ServiceSpec;
        next.PreviousSpec = cur.Spec as ServiceSpec;
        next.SpecVersion = { Index: cur.Version.Index };
        next.UpdateStatus = {
          State: 'rollback_started',
          Message: 'manually requested rollback',
          StartedAt: now,
        };
      } else if (!sameJson(requested, cur.Spec)) {
        next.Spec = requested;
        next.PreviousSpec = cur.Spec as ServiceSpec;
        next.SpecVersion = { Index: cur.Version.Index };
      }
      if (cur.JobStatus !== undefined) {
        // swarmkit: every update of a job starts its next iteration.
        next.JobStatus = {
          JobIteration: { Index: cur.JobStatus.JobIteration.Index + 1 },
          LastExecution: now,
        };
      }
      ingressProblems(tx, next.Spec);
      next.Version = { Index: version };
      tx.services.update(next as Stored<Service>);
    }),
  );
  ctx.log.info({ service: id, rollback }, 'service updated');
  return stored(ctx, id);
}

export async function removeService(ctx: ControlContext, ref: string): Promise<void> {
  const svc = ctx.store.view((tx) => resolve(tx.services, ref));
  await storeWrite(() => ctx.store.update((tx) => tx.services.delete(svc.ID)));
  ctx.log.info({ service: svc.ID }, 'service removed');
}
