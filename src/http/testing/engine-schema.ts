/**
 * The oracle: the Engine API v1.47 swagger, loaded (never copied into the repo) from
 * /work/shared/reference or $SHOAL_ENGINE_API_SPEC, compiled with ajv (strict off, every
 * format Docker uses that ajv lacks registered as a no-op). Tests validate every answer
 * against the operation's response schema, every request body a real client sent against
 * the operation's body schema, and check that answers carry no key the schema lacks (the
 * `unknownKeys` walk: how an internal field leaking into a response gets caught).
 *
 * When the file is absent `loadEngineSchema()` returns undefined and says so once: the
 * checks are skipped with that message, the tests still run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

export const ENGINE_SPEC_PATH =
  process.env.SHOAL_ENGINE_API_SPEC ?? '/work/shared/reference/docker-engine-api-v1.47.yaml';

type Json = Record<string, unknown>;
type Schema = Json;

/**
 * Keys Docker's own daemon writes differently from its swagger (Go field names win on the
 * wire): swarm.ContainerSpec's `Healthcheck` (swagger: HealthCheck).
 */
export const WIRE_ALIASES: Readonly<Record<string, string>> = { Healthcheck: 'HealthCheck' };

/**
 * Keys Docker's daemon sends that its swagger forgets (the examples show them, the
 * definitions do not): swarm.Service's PreviousSpec, swarm.Task's NetworksAttachments.
 */
export const WIRE_EXTRAS: ReadonlySet<string> = new Set(['PreviousSpec', 'NetworksAttachments']);

/**
 * Values the swagger forgets: Go's swarm.UpdateState also has the rollback states, which
 * the daemon sends and `docker service inspect` shows. Patched into the loaded copy.
 */
function patchKnownGaps(doc: Json): void {
  const service = (doc.definitions as Json).Service as Json;
  const state = (((service.properties as Json).UpdateStatus as Json).properties as Json).State as Json;
  const values = state.enum as string[];
  for (const v of ['rollback_started', 'rollback_paused', 'rollback_completed'])
    if (!values.includes(v)) values.push(v);
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (!isObj(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = k === '$ref' && typeof x === 'string' ? x.replace(/^#\//, 'engine#/') : rewriteRefs(x);
  }
  return out;
}

interface Operation {
  method: string;
  template: string;
  re: RegExp;
  params: number;
  op: Json;
}

export class EngineSchema {
  private readonly ajv: Ajv;
  private readonly ops: Operation[] = [];
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    patchKnownGaps(doc);
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    const formats = new Set<string>();
    JSON.stringify(doc, (k, v) => {
      if (k === 'format' && typeof v === 'string') formats.add(v);
      return v;
    });
    for (const f of formats) if (this.ajv.formats[f] === undefined) this.ajv.addFormat(f, true);
    this.ajv.addSchema(rewriteRefs({ definitions: doc.definitions }) as Schema, 'engine');
    for (const [template, ops] of Object.entries(doc.paths as Json)) {
      const pattern = template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{name\}/g, '.+')
        .replace(/\{[^}]+\}/g, '[^/]+');
      for (const [method, op] of Object.entries(ops as Json)) {
        if (!isObj(op)) continue;
        const params = (template.match(/\{/g) ?? []).length;
        this.ops.push({ method: method.toUpperCase(), template, re: new RegExp(`^${pattern}$`), params, op });
      }
    }
    this.ops.sort((a, b) => a.params - b.params);
  }

  definition(name: string): Schema | undefined {
    return (this.doc.definitions as Json)[name] as Schema | undefined;
  }

  operation(method: string, path: string): Operation | undefined {
    return this.ops.find((o) => o.method === method && o.re.test(path));
  }

  private compile(key: string, schema: Schema): ValidateFunction {
    let v = this.cache.get(key);
    if (v === undefined) {
      v = this.ajv.compile(rewriteRefs(schema) as Schema);
      this.cache.set(key, v);
    }
    return v;
  }

  private check(key: string, schema: Schema, value: unknown): string[] {
    const v = this.compile(key, schema);
    if (v(value)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }

  /** The response schema of an operation for a status (or `default`); undefined when none. */
  responseSchema(method: string, path: string, status: number): Schema | undefined {
    const op = this.operation(method, path);
    const responses = op?.op.responses as Json | undefined;
    const r = (responses?.[String(status)] ?? responses?.default) as Json | undefined;
    return r?.schema as Schema | undefined;
  }

  /** Problems of a response body (nothing to check: []). */
  validateResponse(method: string, path: string, status: number, body: unknown): string[] {
    const schema =
      status >= 400 ? { $ref: '#/definitions/ErrorResponse' } : this.responseSchema(method, path, status);
    if (schema === undefined) return [];
    const key = `res ${method} ${this.operation(method, path)?.template ?? path} ${status}`;
    return [...this.check(key, schema, body), ...this.unknownKeys(schema, body)];
  }

  /** Problems of a request body against the operation's `in: body` parameter. */
  validateRequest(method: string, path: string, body: unknown): string[] {
    const op = this.operation(method, path);
    const param = ((op?.op.parameters as Json[] | undefined) ?? []).find((p) => p.in === 'body');
    if (op === undefined || param === undefined) return [];
    return this.check(`req ${method} ${op.template}`, param.schema as Schema, body);
  }

  private resolve(schema: Schema): Schema {
    let s = schema;
    while (typeof s.$ref === 'string') s = this.definition(s.$ref.split('/').pop() ?? '') ?? {};
    if (Array.isArray(s.allOf)) {
      const merged: Json = { properties: {} };
      for (const part of s.allOf as Schema[]) {
        const r = this.resolve(part);
        Object.assign(merged.properties as Json, r.properties ?? {});
        if (r.type !== undefined) merged.type = r.type;
      }
      return { ...s, ...merged, allOf: undefined };
    }
    return s;
  }

  /** Keys of `value` that the schema does not declare (where it declares properties). */
  unknownKeys(schema: Schema, value: unknown, at = ''): string[] {
    const s = this.resolve(schema);
    if (Array.isArray(value)) {
      const items = s.items as Schema | undefined;
      return items ? value.flatMap((v, i) => this.unknownKeys(items, v, `${at}/${i}`)) : [];
    }
    if (!isObj(value)) return [];
    const props = s.properties as Json | undefined;
    const extra = s.additionalProperties;
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const name = props && !Object.hasOwn(props, k) && WIRE_ALIASES[k] ? (WIRE_ALIASES[k] as string) : k;
      const sub = props?.[name] as Schema | undefined;
      if (sub !== undefined) out.push(...this.unknownKeys(sub, v, `${at}/${k}`));
      else if (isObj(extra)) out.push(...this.unknownKeys(extra, v, `${at}/${k}`));
      else if (props !== undefined && extra === undefined && !WIRE_EXTRAS.has(k)) {
        out.push(`${at}/${k} is not in the schema`);
      }
    }
    return out;
  }
}

let loaded: EngineSchema | null | undefined;

/** The compiled oracle, or undefined (with a one-time note) when the file is absent. */
export function loadEngineSchema(): EngineSchema | undefined {
  if (loaded === undefined) {
    if (!existsSync(ENGINE_SPEC_PATH)) {
      console.log(
        `# Engine API swagger not found at ${ENGINE_SPEC_PATH}: schema checks skipped (set SHOAL_ENGINE_API_SPEC)`,
      );
      loaded = null;
    } else {
      loaded = new EngineSchema(parse(readFileSync(ENGINE_SPEC_PATH, 'utf8')) as Json);
    }
  }
  return loaded ?? undefined;
}
