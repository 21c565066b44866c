/**
 * Secrets and configs: named blobs handed to tasks as files. The two behave alike (one
 * generic implementation, two instances) except that a secret's data is never shown back.
 *
 *   create   validate (name, data size, driver) ─► `secret pw already exists` on a taken name
 *   update   only the labels may change (`only updates to Labels are allowed`), at `version`
 *   remove   refused while services reference it: `secret 'pw' is in use by the following
 *            service: web` (`services: a, b` for several, in service id order), gRPC
 *            InvalidArgument as swarmkit answers
 *   filters  id and name by prefix, label; secrets also `names` (exact), as moby accepts
 */
import type { Config, ConfigSpec, Secret, SecretSpec } from '../../api/secret.ts';
import {
  type Problem,
  validateConfigSpec,
  validateConfigUpdate,
  validateSecretSpec,
  validateSecretUpdate,
} from '../../api/validate/index.ts';
import type { ReadTx, Stored, TableReads, TableWrites, WriteTx } from '../../store/index.ts';
import { type ControlContext, checkedVersion, makeId, resolve, without } from './context.ts';
import { rpcError, storeWrite, throwProblems } from './errors.ts';
import { type FilterInput, Filters } from './filters.ts';

type Blob = Secret | Config;

interface BlobKind<T extends Blob> {
  readonly kind: 'secret' | 'config';
  readonly read: (tx: ReadTx) => TableReads<T>;
  readonly write: (tx: WriteTx) => TableReads<T> & TableWrites<T>;
  readonly validate: (spec: unknown) => Problem[];
  readonly validateUpdate: (current: T['Spec'], next: unknown) => Problem[];
  /** What the spec keeps of the request (known fields only). */
  readonly stored: (spec: T['Spec']) => T['Spec'];
  /** What readers see. */
  readonly shown: (o: Stored<T>) => Stored<T>;
  readonly accepted: readonly string[];
  readonly users: (tx: ReadTx, id: string) => ReadonlyArray<{ ID: string; Spec: { Name: string } }>;
}

export interface BlobApi<T extends Blob> {
  create(ctx: ControlContext, raw: unknown): Promise<Stored<T>>;
  get(ctx: ControlContext, ref: string): Stored<T>;
  list(ctx: ControlContext, opts?: { filters?: FilterInput }): Stored<T>[];
  update(ctx: ControlContext, ref: string, version: number, raw: unknown): Promise<Stored<T>>;
  remove(ctx: ControlContext, ref: string): Promise<void>;
}

function blobApi<T extends Blob>(k: BlobKind<T>): BlobApi<T> {
  const get = (ctx: ControlContext, ref: string): Stored<T> =>
    k.shown(ctx.store.view((tx) => resolve(k.read(tx), ref)));
  return {
    get,
    async create(ctx, raw) {
      throwProblems(k.validate(raw));
      const id = makeId(ctx);
      const spec = k.stored(raw as T['Spec']);
      await storeWrite(() => ctx.store.update((tx) => k.write(tx).create({ ID: id, Spec: spec } as never)));
      ctx.log.info({ [k.kind]: id, name: spec.Name }, `${k.kind} created`);
      return get(ctx, id);
    },
    list(ctx, opts = {}) {
      const f = Filters.parse(opts.filters).validate(k.accepted);
      return ctx.store.view((tx) =>
        k
          .read(tx)
          .all()
          .filter(
            (o) =>
              f.exact('names', o.Spec.Name) &&
              f.prefix('name', o.Spec.Name) &&
              f.prefix('id', o.ID) &&
              f.labels('label', o.Spec.Labels),
          )
          .sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0))
          .map(k.shown),
      );
    },
    async update(ctx, ref, version, raw) {
      checkedVersion(version);
      let id = '';
      await storeWrite(() =>
        ctx.store.update((tx) => {
          const cur = resolve(k.write(tx), ref);
          id = cur.ID;
          throwProblems(k.validateUpdate(cur.Spec as T['Spec'], raw));
          const Labels = { ...((raw as T['Spec']).Labels ?? {}) };
          const next = Object.assign({}, cur, { Spec: { ...cur.Spec, Labels }, Version: { Index: version } });
          k.write(tx).update(next as Stored<T>);
        }),
      );
      return get(ctx, id);
    },
    async remove(ctx, ref) {
      const { ID: id } = get(ctx, ref);
      await storeWrite(() =>
        ctx.store.update((tx) => {
          const o = k.write(tx).get(id);
          if (o === undefined) throw rpcError('not_found', 'NotFound', `${k.kind} ${id} not found`);
          const users = [...k.users(tx, id)].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0));
          if (users.length > 0) {
            const which = users.length === 1 ? 'service' : 'services';
            const names = users.map((s) => s.Spec.Name).join(', ');
            const msg = `${k.kind} '${o.Spec.Name}' is in use by the following ${which}: ${names}`;
            throw rpcError('invalid_argument', 'InvalidArgument', msg);
          }
          k.write(tx).delete(id);
        }),
      );
      ctx.log.info({ [k.kind]: id }, `${k.kind} removed`);
    },
  };
}

function common(s: SecretSpec | ConfigSpec) {
  return {
    Name: s.Name,
    Labels: { ...(s.Labels ?? {}) },
    ...(s.Data !== undefined ? { Data: s.Data } : {}),
    ...(s.Templating ? { Templating: s.Templating } : {}),
  };
}

export const secrets: BlobApi<Secret> = blobApi<Secret>({
  kind: 'secret',
  read: (tx) => tx.secrets,
  write: (tx) => tx.secrets,
  validate: validateSecretSpec,
  validateUpdate: validateSecretUpdate,
  stored: (s) => ({ ...common(s), ...(s.Driver ? { Driver: s.Driver } : {}) }),
  // swarmkit clears the data of every secret it returns.
  shown: (o) => ({ ...o, Spec: without(o.Spec, 'Data') }) as Stored<Secret>,
  accepted: ['names', 'name', 'id', 'label'],
  users: (tx, id) => tx.services.bySecret(id),
});

export const configs: BlobApi<Config> = blobApi<Config>({
  kind: 'config',
  read: (tx) => tx.configs,
  write: (tx) => tx.configs,
  validate: validateConfigSpec,
  validateUpdate: validateConfigUpdate,
  stored: common,
  shown: (o) => o,
  accepted: ['name', 'id', 'label'],
  users: (tx, id) => tx.services.byConfig(id),
});
