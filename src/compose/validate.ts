/**
 * Schema validation of one interpolated compose document with ajv against our schema
 * (schema.ts), reporting the one error Docker would report, in its words:
 *
 *   services.web.deploy.replicas must be a integer
 *   services.web Additional property foo is not allowed
 *   (root) Additional property servics is not allowed
 *   services.web.stop_grace_period Does not match format 'duration'
 *
 * As Docker picks among gojsonschema's errors: the deepest path wins, a type error wins a
 * tie, and a `oneOf` reports its closest branch.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { COMPOSE_SCHEMA } from './schema.ts';
import { ComposeError } from './types.ts';
import { isDuration } from './units.ts';

export function addComposeFormats(ajv: Ajv): Ajv {
  ajv.addFormat('duration', { type: 'string', validate: isDuration });
  ajv.addFormat('ports', { type: 'string', validate: () => true });
  ajv.addFormat('ports', { type: 'number', validate: () => true });
  ajv.addFormat('expose', { type: 'string', validate: () => true });
  ajv.addFormat('expose', { type: 'number', validate: () => true });
  return ajv;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = addComposeFormats(new Ajv({ allErrors: true, strict: false }));
    compiled = ajv.compile(COMPOSE_SCHEMA);
  }
  return compiled;
}

function field(instancePath: string): string {
  if (instancePath === '') return '(root)';
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function humanType(t: string): string {
  if (t === 'object') return 'mapping';
  if (t === 'array') return 'list';
  return t;
}

function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type': {
      const types = String(p.type).split(',').map(humanType);
      const last = types.pop() ?? '';
      return `must be a ${types.length > 0 ? `${types.join(', ')} or ${last}` : last}`;
    }
    case 'additionalProperties':
      return `Additional property ${String(p.additionalProperty)} is not allowed`;
    case 'format':
      return `Does not match format '${String(p.format)}'`;
    case 'enum':
      // gojsonschema's own text starts with the field, which Docker then prefixes again.
      return `${field(e.instancePath)} must be one of the following: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `${String(p.missingProperty)} is required`;
    case 'minimum':
      return `Must be greater than or equal to ${String(p.limit)}`;
    case 'uniqueItems':
      return `array items[${String(p.j)},${String(p.i)}] must be unique`;
    case 'oneOf':
      return 'Must validate one and only one schema (oneOf)';
    default:
      return e.message ?? e.keyword;
  }
}

const depth = (e: ErrorObject): number => field(e.instancePath).split('.').length;

/**
 * For each failed `oneOf`, keep only what its closest branch said (as gojsonschema does):
 * a branch whose type matched beats the ones refused by type; among equals, the first.
 */
function closestBranches(errors: readonly ErrorObject[]): ErrorObject[] {
  let kept = [...errors];
  for (const o of errors.filter((e) => e.keyword === 'oneOf')) {
    const prefix = `${o.schemaPath}/`;
    const branchOf = (e: ErrorObject) => Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    const inside = kept.filter((e) => e.schemaPath.startsWith(prefix));
    if (inside.length === 0) continue;
    const typeFailed = new Set(
      inside
        .filter(
          (e) =>
            e.keyword === 'type' &&
            e.instancePath === o.instancePath &&
            e.schemaPath === `${prefix}${branchOf(e)}/type`,
        )
        .map(branchOf),
    );
    const branches = [...new Set(inside.map(branchOf))].sort((a, b) => a - b);
    const best = branches.find((b) => !typeFailed.has(b)) ?? branches[0];
    kept = kept.filter((e) => e === o || !e.schemaPath.startsWith(prefix) || branchOf(e) === best);
    if (best !== undefined && !typeFailed.has(best)) kept = kept.filter((e) => e !== o);
  }
  return kept;
}

/** The one error Docker would show for these ajv errors. */
export function dockerMessage(all: readonly ErrorObject[]): string {
  const errors = closestBranches(all);
  let best: ErrorObject | undefined;
  for (const e of errors) {
    if (best === undefined || depth(e) > depth(best)) best = e;
    else if (depth(e) === depth(best) && e.keyword === 'type' && best.keyword !== 'type') best = e;
    // A oneOf at the same depth is less telling than what its branch said.
    else if (depth(e) === depth(best) && best.keyword === 'oneOf' && e.keyword !== 'oneOf') best = e;
  }
  if (best === undefined) return 'invalid compose file';
  return `${field(best.instancePath)} ${describe(best)}`;
}

/** Throws a ComposeError with Docker's message when the document does not fit the schema. */
export function validateCompose(doc: unknown): void {
  const validate = validator();
  if (!validate(doc)) throw new ComposeError(dockerMessage(validate.errors ?? []));
}
