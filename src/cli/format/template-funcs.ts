/**
 * The functions a `--format` template may call: Docker's (json split join title lower
 * upper pad truncate) and Go's built-ins (and or not len index slice print printf println
 * eq ne lt le gt ge html js urlquery). `and`/`or` are evaluated lazily by the executor;
 * they are listed here for their arity. A function throws FuncError for Go's
 * `error calling X: …`; the executor adds the position.
 */
import { sprint, sprintf, sprintln } from './template-printf.ts';
import { byteLength, goJson, goPrint, goType, isObject, truth, type Value } from './template-value.ts';

export class FuncError extends Error {}

export interface Func {
  min: number;
  /** Most arguments; Infinity for variadic functions. */
  max: number;
  call: (...args: Value[]) => Value;
}

function str(v: Value): string {
  if (v === null || v === undefined) throw new FuncError('invalid value; expected string');
  return typeof v === 'string' ? v : goPrint(v);
}

function int(v: Value): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new FuncError(`cannot index slice/array with type ${goType(v)}`);
  return v;
}

/** The zero value of a map's element type, guessed from its values (Docker's maps are map[string]string). */
function zeroOf(o: Record<string, Value>): Value {
  const kinds = new Set(Object.values(o).map((v) => typeof v));
  if (kinds.size === 0 || (kinds.size === 1 && kinds.has('string'))) return '';
  if (kinds.size === 1 && kinds.has('number')) return 0;
  if (kinds.size === 1 && kinds.has('boolean')) return false;
  return undefined;
}

function index(item: Value, ...keys: Value[]): Value {
  let cur = item;
  for (const k of keys) {
    if (typeof cur === 'string' || Array.isArray(cur)) {
      const i = int(k);
      const len = typeof cur === 'string' ? byteLength(cur) : cur.length;
      if (i < 0 || i >= len) throw new FuncError(`index out of range: ${i}`);
      cur = typeof cur === 'string' ? Buffer.from(cur, 'utf8')[i] : cur[i];
    } else if (isObject(cur)) {
      if (typeof k !== 'string') throw new FuncError(`value has type ${goType(k)}; should be string`);
      cur = Object.hasOwn(cur, k) ? cur[k] : zeroOf(cur);
    } else if (cur === null || cur === undefined) {
      // A nil map gives its zero value; a nil slice has no elements.
      if (typeof k === 'string') return '';
      throw new FuncError(`index out of range: ${goPrint(k)}`);
    } else throw new FuncError(`can't index item of type ${goType(cur)}`);
  }
  return cur;
}

function slice(item: Value, ...idx: Value[]): Value {
  if (typeof item !== 'string' && !Array.isArray(item)) {
    throw new FuncError(`can't slice item of type ${goType(item)}`);
  }
  if (idx.length > 3 || (idx.length === 3 && typeof item === 'string')) {
    throw new FuncError(`too many slice indexes: ${idx.length}`);
  }
  const bytes = typeof item === 'string' ? Buffer.from(item, 'utf8') : undefined;
  const len = bytes?.length ?? (item as Value[]).length;
  const [lo = 0, hi = len] = idx.map((v) => int(v));
  for (const i of [lo, hi]) if (i < 0 || i > len) throw new FuncError(`index out of range: ${i}`);
  if (lo > hi) throw new FuncError(`invalid slice index: ${lo} > ${hi}`);
  return bytes !== undefined ? bytes.subarray(lo, hi).toString('utf8') : (item as Value[]).slice(lo, hi);
}

function length(v: Value): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  throw new FuncError(`len of type ${goType(v)}`);
}

type Kind = 'nil' | 'bool' | 'number' | 'string' | 'other';

function kind(v: Value): Kind {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function eq(a: Value, ...bs: Value[]): boolean {
  if (bs.length === 0) throw new FuncError('missing argument for comparison');
  return bs.some((b) => {
    const ka = kind(a);
    const kb = kind(b);
    if (ka === 'nil' || kb === 'nil') return ka === kb;
    if (ka !== kb) throw new FuncError('incompatible types for comparison');
    if (ka === 'other') throw new FuncError(`non-comparable type ${goPrint(a)}: ${goType(a)}`);
    return a === b;
  });
}

function lt(a: Value, b: Value): boolean {
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== 'number' && ka !== 'string') throw new FuncError('invalid type for comparison');
  if (ka !== kb) throw new FuncError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

/** The text of html/js/urlquery's arguments: the one string, or fmt.Sprint of them all. */
function argText(args: Value[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

const HTML: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\0': '\uFFFD',
};
const JS: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '<': '\\u003C',
  '>': '\\u003E',
  '&': '\\u0026',
  '=': '\\u003D',
};

const fixed = (n: number, call: Func['call']): Func => ({ min: n, max: n, call });
const variadic = (min: number, call: Func['call']): Func => ({ min, max: Number.POSITIVE_INFINITY, call });

export const FUNCS: Record<string, Func> = {
  // Docker's
  json: fixed(1, (v) => goJson(v)),
  split: fixed(2, (v, sep) => (str(sep) === '' ? [...str(v)] : str(v).split(str(sep)))),
  join: fixed(2, (v, sep) => (Array.isArray(v) ? v.map(goPrint).join(str(sep)) : goPrint(v))),
  title: fixed(1, (v) =>
    str(v).replace(/(^|[^\p{L}\p{N}_])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase()),
  ),
  lower: fixed(1, (v) => str(v).toLowerCase()),
  upper: fixed(1, (v) => str(v).toUpperCase()),
  pad: fixed(3, (v, l, r) => `${' '.repeat(Number(l))}${str(v)}${' '.repeat(Number(r))}`),
  truncate: fixed(2, (v, n) => [...str(v)].slice(0, Number(n)).join('')),
  // Go's
  and: variadic(1, (...a) => a.find((v) => !truth(v)) ?? a[a.length - 1]),
  or: variadic(1, (...a) => a.find((v) => truth(v)) ?? a[a.length - 1]),
  not: fixed(1, (v) => !truth(v)),
  len: fixed(1, length),
  index: variadic(1, index),
  slice: variadic(1, slice),
  print: variadic(0, (...a) => sprint(a)),
  printf: variadic(1, (f, ...a) => sprintf(str(f), a)),
  println: variadic(0, (...a) => sprintln(a)),
  eq: variadic(1, eq),
  ne: fixed(2, (a, b) => !eq(a, b)),
  lt: fixed(2, lt),
  le: fixed(2, (a, b) => lt(a, b) || eq(a, b)),
  gt: fixed(2, (a, b) => !lt(a, b) && !eq(a, b)),
  ge: fixed(2, (a, b) => !lt(a, b)),
  html: variadic(0, (...a) => argText(a).replace(/["'&<>\0]/g, (c) => HTML[c] as string)),
  js: variadic(0, (...a) =>
    [...argText(a)]
      .map(
        (c) => JS[c] ?? (c < ' ' ? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : c),
      )
      .join(''),
  ),
  urlquery: variadic(0, (...a) =>
    encodeURIComponent(argText(a))
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+'),
  ),
};
