/**
 * Helpers the route files share: bodies only HTTP decodes (swarm init/join/unlock, network
 * create) checked against their Go struct as Docker's decoder would, and `?filters=`.
 */
import { shapeProblems } from '../../api/validate/shape.ts';
import type { RouteContext } from '../context.ts';
import { invalidParameter } from '../errors.ts';
import type { BodySchema } from '../keys.ts';

/** The body decoded into `shape` (Go's zero value, {}, when there is none). */
export async function decodeStruct(ctx: RouteContext, schema: BodySchema): Promise<Record<string, unknown>> {
  const v = await ctx.body(schema);
  if (v === undefined) return {};
  const p = shapeProblems(v, schema.shape)[0];
  if (p !== undefined) throw invalidParameter(`invalid JSON: ${p.message}`);
  return v as Record<string, unknown>;
}

/** The raw `?filters=` value (ControlApi's Filters parses both JSON shapes). */
export function filtersParam(ctx: RouteContext): string | undefined {
  return ctx.query.get('filters') ?? undefined;
}
