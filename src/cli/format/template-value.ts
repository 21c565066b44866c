/**
 * How the template engine sees a JSON value as Go would see the value Docker decodes it
 * into: its %v text (`[a b]`, `map[k:v]`, `<no value>`), its Go type name (for printf's
 * `%!d(string=x)` and error messages), and its truth for `if`/`with`/`and`/`or`/`not`.
 *
 * Truth: false, 0, nil, "" and empty arrays are false, as in Go. An empty object is an
 * empty Go map (false) — except where Docker's types hold a pointer to a struct that
 * serializes as `{}`: `.Spec.Mode.Global` is `{}` for a global service and Go finds it
 * true. Objects reached through those field names (STRUCT_FIELDS) are remembered as
 * structs, and a struct is always true.
 */
import { goFloat } from '../../api/validate/go-format.ts';

export type Value = unknown;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Pointer-to-struct fields of Docker's API types that may be `{}` yet are non-nil in Go. */
const STRUCT_FIELDS = new Set([
  'Global',
  'GlobalJob',
  'Replicated',
  'ReplicatedJob',
  'Placement',
  'Resources',
  'Limits',
  'Reservations',
  'RestartPolicy',
  'Privileges',
  'DNSConfig',
  'Healthcheck',
  'UpdateConfig',
  'RollbackConfig',
  'EndpointSpec',
  'LogDriver',
]);

const structs = new WeakSet<object>();

export function isObject(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `.name` of an object; marks the result a struct when Docker declares it one. */
export function fieldOf(o: Record<string, Value>, name: string): Value {
  if (!Object.hasOwn(o, name)) return undefined;
  const v = o[name];
  if (isObject(v) && STRUCT_FIELDS.has(name)) structs.add(v);
  return v;
}

/** Go's truth of a value: the test of `if`, `with`, `and`, `or` and `not`. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return structs.has(v) || Object.keys(v).length > 0;
  return true;
}

/** A map's keys in Go's order (sorted). */
export function sortedKeys(o: Record<string, Value>): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Go's %v of a JSON value. */
export function goPrint(v: Value): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isObject(v))
    return `map[${sortedKeys(v)
      .map((k) => `${k}:${goPrint(v[k])}`)
      .join(' ')}]`;
  return String(v);
}

/** Go's json.Marshal: compact, with <, > and & escaped. */
export function goJson(v: Value, indent?: string): string {
  return (JSON.stringify(v ?? null, null, indent) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

/** The Go type Docker's decoder would give the value (`int`, `float64`, `[]interface {}`). */
export function goType(v: Value): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** UTF-8 length, as Go's len of a string. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
