/**
 * Secrets and configs (swarmkit controlapi/secret.go, config.go, manager/validation):
 * - names: 1-64 of [a-zA-Z0-9-_.], starting and ending alphanumeric (names.ts);
 * - data (base64 in the API; the limit is on the decoded bytes): at least 1 byte and
 *   less than 500 KiB for a secret (512000), 1000 KiB for a config (1024000);
 * - a secret with a Driver is external: the driver needs a name and the data is not checked;
 * - an update may change Labels only ("only updates to Labels are allowed");
 * swarmkit has no label rules beyond map[string]string, which the shape check covers.
 */
import type { ConfigSpec, SecretSpec } from '../secret.ts';
import { decodeBase64 } from './base64.ts';
import { CONFIG_SPEC, SECRET_SPEC } from './engine-schema.ts';
import { secretNameProblem } from './names.ts';
import { type Problem, swarmkitProblem, throwIfProblems } from './problem.ts';
import { type StructShape, shapeProblems } from './shape.ts';

/** Upper bounds (exclusive) on decoded data, as swarmkit's MaxSecretSize / MaxConfigSize. */
export const SECRET_DATA_LIMIT = 500 * 1024;
export const CONFIG_DATA_LIMIT = 1000 * 1024;

function decodedLength(data: string | undefined): number {
  const d = decodeBase64(data ?? '');
  return d.ok ? d.length : 0;
}

function dataProblem(
  kind: 'secret' | 'config',
  data: string | undefined,
  limit: number,
): Problem | undefined {
  const n = decodedLength(data);
  if (n >= 1 && n < limit) return undefined;
  return swarmkitProblem('Data', `${kind} data must be larger than 0 and less than ${limit} bytes`);
}

function validate(kind: 'secret' | 'config', spec: unknown, root: StructShape): Problem[] {
  const shape = shapeProblems(spec, root);
  if (shape.length > 0) return shape;
  const s = (spec ?? {}) as Partial<SecretSpec>;
  const name = secretNameProblem(s.Name);
  if (name) return [name];
  if (kind === 'secret' && s.Driver) {
    return s.Driver.Name ? [] : [swarmkitProblem('Driver.Name', 'secret driver must have a name')];
  }
  const data = dataProblem(kind, s.Data, kind === 'secret' ? SECRET_DATA_LIMIT : CONFIG_DATA_LIMIT);
  return data ? [data] : [];
}

export function validateSecretSpec(spec: unknown): Problem[] {
  return validate('secret', spec, SECRET_SPEC);
}

export function validateConfigSpec(spec: unknown): Problem[] {
  return validate('config', spec, CONFIG_SPEC);
}

function sameData(a: string | undefined, b: string): boolean {
  return Buffer.from(a ?? '', 'base64').equals(Buffer.from(b, 'base64'));
}

function updateProblems(current: SecretSpec | ConfigSpec, next: unknown, root: StructShape): Problem[] {
  const shape = shapeProblems(next, root);
  if (shape.length > 0) return shape;
  const n = (next ?? {}) as Partial<SecretSpec>;
  if ((n.Name ?? '') !== current.Name || (n.Data != null && !sameData(current.Data, n.Data))) {
    return [swarmkitProblem('', 'only updates to Labels are allowed')];
  }
  return [];
}

/** An update of a stored secret: only its labels may change. */
export function validateSecretUpdate(current: SecretSpec, next: unknown): Problem[] {
  return updateProblems(current, next, SECRET_SPEC);
}

export function validateConfigUpdate(current: ConfigSpec, next: unknown): Problem[] {
  return updateProblems(current, next, CONFIG_SPEC);
}

export function assertValidSecretSpec(spec: unknown): asserts spec is SecretSpec {
  throwIfProblems(validateSecretSpec(spec));
}

export function assertValidConfigSpec(spec: unknown): asserts spec is ConfigSpec {
  throwIfProblems(validateConfigSpec(spec));
}
