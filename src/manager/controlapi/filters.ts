/**
 * Docker's list filters (`?filters=...`), parsed once and matched with the semantics of
 * the code that applies each one:
 *
 *   input      {"name":{"web":true}} (current clients) or {"name":["web"]} (older ones),
 *              as a JSON string or already parsed; every key's values are a set
 *   validate   keys outside the list's accepted set: `Invalid filter 'x'` (moby filters.Args)
 *   prefix     swarmkit's filterContainsPrefix: any value is a prefix (name, id)
 *   exact      swarmkit's filterContains: any value equals (service, node, names)
 *   labels     swarmkit's filterMatchLabels over `k` / `k=v` values: every one must hold
 *   match      moby's Args.Match (networks): exact, or the value as a regular expression
 *
 * Values within one key are alternatives (OR); different keys must all hold (AND).
 */
import { daemonError } from './errors.ts';

/** What a caller may pass: the raw query value or its parsed JSON. */
export type FilterInput = string | Readonly<Record<string, unknown>> | undefined | null;

export class Filters {
  private constructor(private readonly fields: ReadonlyMap<string, readonly string[]>) {}

  static readonly none = new Filters(new Map());

  /** Parses either JSON shape; anything else is `invalid_argument`. */
  static parse(input: FilterInput): Filters {
    if (input == null || input === '') return Filters.none;
    let raw: unknown = input;
    if (typeof input === 'string') {
      try {
        raw = JSON.parse(input);
      } catch (e) {
        throw daemonError('invalid_argument', `invalid filter: ${(e as Error).message}`, 400);
      }
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw daemonError('invalid_argument', 'invalid filter: expected a JSON object', 400);
    }
    const fields = new Map<string, string[]>();
    for (const [key, value] of Object.entries(raw)) {
      fields.set(key, valuesOf(key, value));
    }
    return new Filters(fields);
  }

  /** Refuses keys the list does not know, as moby's Args.Validate. */
  validate(accepted: readonly string[]): this {
    for (const key of this.fields.keys()) {
      if (!accepted.includes(key)) throw daemonError('invalid_argument', `Invalid filter '${key}'`, 400);
    }
    return this;
  }

  has(key: string): boolean {
    return this.fields.has(key);
  }

  get(key: string): readonly string[] {
    return this.fields.get(key) ?? [];
  }

  /** True when the key is absent or empty, or `value` is one of its values. */
  exact(key: string, value: string): boolean {
    const vs = this.fields.get(key);
    return vs === undefined || vs.length === 0 || vs.includes(value);
  }

  /** True when the key is absent or empty, or one of its values is a prefix of `value`. */
  prefix(key: string, value: string): boolean {
    const vs = this.fields.get(key);
    return vs === undefined || vs.length === 0 || vs.some((p) => value.startsWith(p));
  }

  /** moby's Args.Match: exact, or one of the values as a regular expression matches. */
  match(key: string, value: string): boolean {
    const vs = this.fields.get(key);
    if (vs === undefined || vs.length === 0 || vs.includes(value)) return true;
    return vs.some((pattern) => {
      try {
        return new RegExp(pattern).test(value);
      } catch {
        return false; // Go skips patterns that do not compile
      }
    });
  }

  /** swarmkit's filterMatchLabels: every `k` (any value) or `k=v` of the key holds. */
  labels(key: string, labels: Readonly<Record<string, string>> | undefined): boolean {
    const vs = this.fields.get(key);
    if (vs === undefined || vs.length === 0) return true;
    for (const [k, v] of kvMap(vs)) {
      if (labels === undefined || !Object.hasOwn(labels, k)) return false;
      if (v !== '' && v !== labels[k]) return false;
    }
    return true;
  }
}

function valuesOf(key: string, value: unknown): string[] {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return [...new Set(value as string[])];
  } else if (typeof value === 'object' && value !== null) {
    if (Object.values(value).every((v) => typeof v === 'boolean')) return Object.keys(value);
  }
  throw daemonError('invalid_argument', `invalid filter: bad value for '${key}'`, 400);
}

/**
 * runconfig's ConvertKVStringsToMap: `k=v` -> k: v, `k` -> k: "" (the last value for a key
 * wins, as Go's map assignment).
 */
function kvMap(values: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of values) {
    const i = s.indexOf('=');
    if (i < 0) out.set(s, '');
    else out.set(s.slice(0, i), s.slice(i + 1));
  }
  return out;
}
