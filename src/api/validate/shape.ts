/**
 * The first gate: does the JSON have the types the Engine API's Go structs have? Docker
 * decodes request bodies with encoding/json, so a string where a number belongs, a
 * negative number in a uint64 or 1.5 in an int64 is refused before any rule runs, as
 *   json: cannot unmarshal <what> into Go struct field <Struct>.<path> of type <type>
 * (<Struct> is the innermost struct type, <path> the field path from the root). Unknown
 * fields are ignored and null is always accepted, as in Go. A tiny schema DSL describes
 * the structs (engine-schema.ts); `shapeProblems` walks a value against it and never
 * throws, whatever the input: it is what makes the later rules safe on garbage.
 */
import { decodeBase64 } from './base64.ts';
import { engineProblem, type Problem } from './problem.ts';

export type Shape =
  | { readonly t: 'string'; readonly go: string }
  | { readonly t: 'bool' }
  | { readonly t: 'int'; readonly go: string; readonly min: number; readonly max: number }
  | { readonly t: 'float'; readonly go: string }
  | { readonly t: 'array'; readonly go: string; readonly of: Shape }
  | { readonly t: 'map'; readonly go: string; readonly of: Shape }
  | { readonly t: 'bytes' }
  | StructShape;

export interface StructShape {
  readonly t: 'struct';
  /** Go type as printed (`swarm.RestartPolicy`); the part after the dot names the struct. */
  readonly go: string;
  readonly fields: Readonly<Record<string, Shape>>;
}

const INT64 = 2 ** 63;
const UINT64 = 2 ** 64;
export const str = (go = 'string'): Shape => ({ t: 'string', go });
export const bool: Shape = { t: 'bool' };
export const int = (go: string, min: number, max: number): Shape => ({ t: 'int', go, min, max });
export const i64 = (go = 'int64'): Shape => int(go, -INT64, INT64 - 1);
export const u64 = (go = 'uint64'): Shape => int(go, 0, UINT64 - 1);
export const u32 = (go = 'uint32'): Shape => int(go, 0, 2 ** 32 - 1);
export const duration: Shape = i64('time.Duration');
export const f32: Shape = { t: 'float', go: 'float32' };
export const bytes: Shape = { t: 'bytes' };
export const struct = (go: string, fields: Record<string, Shape>): StructShape => ({
  t: 'struct',
  go,
  fields,
});
export const map = (of: Shape): Shape => ({ t: 'map', go: `map[string]${goName(of)}`, of });
export const arr = (of: Shape, go = `[]${goName(of)}`): Shape => ({ t: 'array', go, of });

function goName(s: Shape): string {
  switch (s.t) {
    case 'bool':
      return 'bool';
    case 'bytes':
      return '[]uint8';
    default:
      return s.go;
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

interface Context {
  /** Innermost struct's name ('' at the root, before entering any struct). */
  readonly struct: string;
  readonly path: readonly string[];
}

function typeError(ctx: Context, what: string, go: string): Problem {
  const where = ctx.struct === '' ? 'Go value' : `Go struct field ${[ctx.struct, ...ctx.path].join('.')}`;
  return engineProblem(ctx.path.join('.'), `json: cannot unmarshal ${what} into ${where} of type ${go}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(v: unknown, s: Shape, ctx: Context, out: Problem[]): void {
  if (v === null || v === undefined) return;
  switch (s.t) {
    case 'string':
      if (typeof v !== 'string') out.push(typeError(ctx, jsonKind(v), s.go));
      return;
    case 'bool':
      if (typeof v !== 'boolean') out.push(typeError(ctx, jsonKind(v), 'bool'));
      return;
    case 'int':
      if (typeof v !== 'number') out.push(typeError(ctx, jsonKind(v), s.go));
      else if (!Number.isInteger(v) || v < s.min || v > s.max) out.push(typeError(ctx, `number ${v}`, s.go));
      return;
    case 'float':
      if (typeof v !== 'number') out.push(typeError(ctx, jsonKind(v), s.go));
      return;
    case 'bytes':
      walkBytes(v, ctx, out);
      return;
    case 'array':
      if (!Array.isArray(v)) out.push(typeError(ctx, jsonKind(v), s.go));
      else for (const item of v) walk(item, s.of, ctx, out);
      return;
    case 'map':
      if (!isRecord(v)) out.push(typeError(ctx, jsonKind(v), s.go));
      else for (const key of Object.keys(v)) walk(v[key], s.of, ctx, out);
      return;
    case 'struct':
      walkStruct(v, s, ctx, out);
      return;
  }
}

function walkStruct(v: unknown, s: StructShape, ctx: Context, out: Problem[]): void {
  if (!isRecord(v)) {
    out.push(typeError(ctx, jsonKind(v), s.go));
    return;
  }
  const name = s.go.slice(s.go.lastIndexOf('.') + 1);
  for (const key of Object.keys(s.fields)) {
    if (!Object.hasOwn(v, key)) continue;
    const field = s.fields[key] as Shape;
    walk(v[key], field, { struct: name, path: [...ctx.path, key] }, out);
  }
}

function walkBytes(v: unknown, ctx: Context, out: Problem[]): void {
  if (typeof v === 'string') {
    const d = decodeBase64(v);
    if (!d.ok) out.push(engineProblem(ctx.path.join('.'), `illegal base64 data at input byte ${d.offset}`));
  } else if (Array.isArray(v)) {
    for (const b of v) walk(b, int('uint8', 0, 255), ctx, out);
  } else {
    out.push(typeError(ctx, jsonKind(v), '[]uint8'));
  }
}

/** Every type problem of `value` against the root struct, in field order; [] when it decodes. */
export function shapeProblems(value: unknown, root: StructShape): Problem[] {
  const out: Problem[] = [];
  walk(value, root, { struct: '', path: [] }, out);
  return out;
}
