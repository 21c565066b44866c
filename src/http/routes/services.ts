/**
 * /services: list (filters; ?status=true adds ServiceStatus from API 1.41), create (201
 * {ID, Warnings}), inspect (?insertDefaults), update (?version, ?rollback=previous,
 * ?registryAuthFrom=spec|previous-spec; 200 {Warnings}), remove, logs.
 *
 * Registry credentials (X-Registry-Auth) are not kept: nodes pull with their own.
 * `registryAuthFrom` is still checked the way moby does, against the current service.
 */
import { empty, json, type Route } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import { BODY_SHAPES } from '../keys.ts';
import { serviceToEngine } from '../mappers/service.ts';
import { adjustForApiVersion, pinningWarnings } from '../mappers/service-request.ts';
import { strictBool, versionParam } from '../request.ts';
import { versionAtLeast } from '../router.ts';
import { streamLogs } from './logs.ts';
import { filtersParam } from './util.ts';

export const serviceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/services',
    handler: async (ctx) => {
      const filters = filtersParam(ctx);
      const status = versionAtLeast(ctx.apiVersion, '1.41') && strictBool(ctx.query, 'status');
      const services = await ctx.control().listServices({ filters, status });
      return json(services.map(serviceToEngine));
    },
  },
  {
    method: 'POST',
    path: '/services/create',
    handler: async (ctx) => {
      const spec = (await ctx.body(BODY_SHAPES.service)) ?? {};
      adjustForApiVersion(spec, ctx.apiVersion, 'create');
      const created = await ctx.control().createService(spec);
      const warnings = pinningWarnings(spec, ctx.apiVersion);
      return json({ ID: created.ID, ...(warnings.length > 0 ? { Warnings: warnings } : {}) }, 201);
    },
  },
  {
    method: 'GET',
    path: '/services/:id',
    handler: async (ctx) => {
      const insertDefaults = strictBool(ctx.query, 'insertDefaults');
      return json(serviceToEngine(await ctx.control().getService(ctx.param('id'), { insertDefaults })));
    },
  },
  {
    method: 'POST',
    path: '/services/:id/update',
    handler: async (ctx) => {
      const spec = (await ctx.body(BODY_SHAPES.service)) ?? {};
      const version = versionParam(ctx.query, 'service');
      adjustForApiVersion(spec, ctx.apiVersion, 'update');
      const control = ctx.control();
      const from = ctx.query.get('registryAuthFrom') ?? '';
      if (from !== '' && from !== 'spec') {
        if (from !== 'previous-spec') throw invalidParameter('unsupported registryAuthFrom value');
        const current = await control.getService(ctx.param('id'));
        if (current.PreviousSpec === undefined)
          throw invalidParameter('service does not have a previous spec');
      }
      const rollback = ctx.query.get('rollback') ?? '';
      await control.updateService(ctx.param('id'), version, spec, { rollback });
      const warnings = pinningWarnings(spec, ctx.apiVersion);
      return json(warnings.length > 0 ? { Warnings: warnings } : {});
    },
  },
  {
    method: 'DELETE',
    path: '/services/:id',
    handler: async (ctx) => {
      await ctx.control().removeService(ctx.param('id'));
      return empty();
    },
  },
  {
    method: 'GET',
    path: '/services/:id/logs',
    handler: (ctx) => streamLogs(ctx, { services: [ctx.param('id')], tasks: [] }),
  },
];
