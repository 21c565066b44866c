/**
 * Our schema against Docker's: every key ours accepts exists in the reference 3.13 schema,
 * and every fixture is valid or invalid under both alike. The reference is read from
 * ../shared/reference/ when present (it is not part of the repo); those tests are
 * skipped, saying so, when it is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { interpolate } from './interpolate.ts';
import { parseYaml } from './load.ts';
import { COMPOSE_SCHEMA } from './schema.ts';
import { addComposeFormats, validateCompose } from './validate.ts';

const here = import.meta.dirname;
// The reference sits beside the checkout (../shared/reference) or at the workplace's path.
const CANDIDATES = [
  process.env.SHOAL_COMPOSE_SCHEMA,
  join(here, '../../../shared/reference/compose-schema-v3.13.json'),
  '/work/shared/reference/compose-schema-v3.13.json',
].filter((p): p is string => p !== undefined);
const REFERENCE = CANDIDATES.find((p) => existsSync(p)) ?? (CANDIDATES[0] as string);
const reference = existsSync(REFERENCE)
  ? (JSON.parse(readFileSync(REFERENCE, 'utf8')) as Record<string, unknown>)
  : undefined;
if (reference === undefined) console.log(`# ${REFERENCE} is absent: the reference-schema tests are skipped`);

const fixtures = (dir: string) =>
  readdirSync(join(here, 'testdata', dir))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => ({
      name: `${dir}/${f}`,
      doc: interpolate(parseYaml(readFileSync(join(here, 'testdata', dir, f), 'utf8')), () => undefined),
    }));

/** Draft-04 ids out, so ajv (draft-07) compiles the reference as it stands. */
function referenceValidator() {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'id' && typeof x === 'string') continue;
      if (k === '$schema') continue;
      out[k] =
        k === 'properties' || k === 'patternProperties' || k === 'definitions'
          ? mapValues(x, strip)
          : strip(x);
    }
    return out;
  };
  const mapValues = (o: unknown, f: (v: unknown) => unknown) =>
    Object.fromEntries(Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, f(v)]));
  const ajv = addComposeFormats(new Ajv({ allErrors: true, strict: false }));
  return ajv.compile(strip(reference) as object);
}

type Node = Record<string, unknown>;

/** Resolves `#/definitions/x` refs of the reference. */
function deref(node: unknown): Node {
  let n = node as Node;
  while (typeof n?.$ref === 'string') {
    const name = (n.$ref as string).replace('#/definitions/', '');
    const defs = (reference as Node).definitions as Record<string, Node>;
    n = defs[name] as Node;
  }
  return n;
}

/** Each property path our schema declares must be declared at the same place in the reference. */
function checkKeys(ours: Node, theirs: Node, path: string, missing: string[]): void {
  const t = deref(theirs);
  const branches = (n: Node): Node[] => [
    n,
    ...(((n.oneOf ?? n.anyOf) as Node[] | undefined) ?? []).map(deref),
  ];
  for (const o of branches(ours)) {
    for (const key of ['properties', 'patternProperties'] as const) {
      const props = o[key] as Record<string, Node> | undefined;
      if (props === undefined) continue;
      for (const [name, sub] of Object.entries(props)) {
        const match = branches(t)
          .map((b) => (b[key] as Record<string, Node> | undefined)?.[name])
          .find((x) => x !== undefined);
        if (match === undefined) missing.push(`${path}.${name}`);
        else checkKeys(sub, match, `${path}.${name}`, missing);
      }
    }
    if (o.items !== undefined) {
      const theirItems = branches(t).find((b) => b.items !== undefined)?.items;
      if (theirItems === undefined) missing.push(`${path}[]`);
      else checkKeys(o.items as Node, theirItems as Node, `${path}[]`, missing);
    }
  }
}

const EXPECTED: Record<string, string> = {
  'invalid/replicas-string.yml': 'services.app.deploy.replicas must be a integer',
  'invalid/unknown-key.yml': 'services.app Additional property foo is not allowed',
  'invalid/unknown-top.yml': '(root) Additional property servics is not allowed',
  'invalid/bad-duration.yml': "services.app.stop_grace_period Does not match format 'duration'",
  'invalid/bad-order.yml':
    'services.app.deploy.update_config.order services.app.deploy.update_config.order must be one of the following: "start-first", "stop-first"',
  'invalid/ports-object.yml': 'services.app.ports.0 Additional property host_ip is not allowed',
  'invalid/command-number.yml': 'services.app.command must be a string',
  'invalid/ulimit-missing.yml': 'services.app.ulimits.nofile hard is required',
  'invalid/bad-service-name.yml': 'services Additional property my app is not allowed',
  'invalid/volume-type-missing.yml': 'services.app.volumes.0 type is required',
};

describe('compose schema', () => {
  it('accepts the valid fixtures', () => {
    for (const f of fixtures('valid')) assert.doesNotThrow(() => validateCompose(f.doc), f.name);
    for (const f of fixtures('full')) assert.doesNotThrow(() => validateCompose(f.doc), f.name);
  });

  it('refuses the invalid fixtures with Docker’s messages', () => {
    const seen = fixtures('invalid').map((f) => {
      assert.throws(() => validateCompose(f.doc), { message: EXPECTED[f.name] }, f.name);
      return f.name;
    });
    assert.deepEqual(seen.sort(), Object.keys(EXPECTED).sort());
  });

  it('declares only keys the reference schema has', {
    skip: reference === undefined && 'no reference schema',
  }, () => {
    const missing: string[] = [];
    checkKeys(COMPOSE_SCHEMA, reference as Node, '(root)', missing);
    assert.deepEqual(missing, []);
  });

  it('agrees with the reference on every fixture', {
    skip: reference === undefined && 'no reference schema',
  }, () => {
    const validate = referenceValidator();
    for (const dir of ['valid', 'invalid', 'full']) {
      for (const f of fixtures(dir)) {
        let ours = true;
        try {
          validateCompose(f.doc);
        } catch {
          ours = false;
        }
        assert.equal(validate(f.doc), ours, `${f.name}: reference and ours disagree`);
        assert.equal(ours, dir !== 'invalid', f.name);
      }
    }
  });
});
