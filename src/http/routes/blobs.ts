/**
 * The routes secrets and configs share (moby cluster_routes.go): list (filters), create
 * (201 {"ID"}; Templating needs API 1.37), inspect, update (labels only, ?version=: a bad
 * one is just `invalid secret version`), remove (204). Each resource file fills in its
 * ControlApi calls and its mapper (a secret's data never leaves the manager).
 */
import type { Control } from '../../manager/controlapi/index.ts';
import { empty, json, type Route } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import type { BodySchema } from '../keys.ts';
import { versionParam } from '../request.ts';
import { versionAtLeast } from '../router.ts';
import { filtersParam } from './util.ts';

export interface BlobOps<T> {
  kind: 'secret' | 'config';
  shape: BodySchema;
  list(c: Control, filters: string | undefined): Promise<readonly T[]>;
  get(c: Control, ref: string): Promise<T>;
  create(c: Control, spec: unknown): Promise<{ ID: string }>;
  update(c: Control, ref: string, version: number, spec: unknown): Promise<unknown>;
  remove(c: Control, ref: string): Promise<void>;
  toEngine(o: T): unknown;
}

export function blobRoutes<T>(o: BlobOps<T>): Route[] {
  const base = `/${o.kind}s`;
  return [
    {
      method: 'GET',
      path: base,
      handler: async (ctx) => json((await o.list(ctx.control(), filtersParam(ctx))).map(o.toEngine)),
    },
    {
      method: 'POST',
      path: `${base}/create`,
      handler: async (ctx) => {
        const spec = (await ctx.body(o.shape)) ?? {};
        const templating = (spec as { Templating?: unknown }).Templating;
        if (templating !== undefined && !versionAtLeast(ctx.apiVersion, '1.37')) {
          throw invalidParameter(
            `${o.kind} templating is not supported on the specified API version: ${ctx.apiVersion}`,
          );
        }
        const created = await o.create(ctx.control(), spec);
        return json({ ID: created.ID }, 201);
      },
    },
    {
      method: 'GET',
      path: `${base}/:id`,
      handler: async (ctx) => json(o.toEngine(await o.get(ctx.control(), ctx.param('id')))),
    },
    {
      method: 'POST',
      path: `${base}/:id/update`,
      handler: async (ctx) => {
        const spec = (await ctx.body(o.shape)) ?? {};
        const version = versionParam(ctx.query, o.kind);
        await o.update(ctx.control(), ctx.param('id'), version, spec);
        return empty();
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:id`,
      handler: async (ctx) => {
        await o.remove(ctx.control(), ctx.param('id'));
        return empty(204);
      },
    },
  ];
}
