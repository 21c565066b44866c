/**
 * Object names, with swarmkit's two rule sets (manager/controlapi/common.go):
 * - services and networks: a DNS name component, `[a-zA-Z0-9]` runs joined by `-` or `_`
 *   (no dots), at most 63 characters, because the name is resolvable in service discovery;
 * - secrets and configs: up to 64 of `[a-zA-Z0-9-_.]`, starting and ending alphanumeric.
 * The checks run in swarmkit's order, so the first failing rule gives swarmkit's message.
 * (Docker's "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" is the container-name rule of the
 * plain Engine; swarm objects never show it.)
 */
import { type Problem, swarmkitProblem } from './problem.ts';

// swarmkit writes these as ^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$ and
// ^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$ (RE2, linear time). These accept the same
// languages without nested quantifiers, so a backtracking engine stays linear on garbage.
const DNS_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9_-]*[a-zA-Z0-9])?$/;
const SECRET_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/;

export const MAX_SERVICE_NAME = 63;
export const MAX_SECRET_NAME = 64;

export const NAME_MESSAGES = {
  required: 'meta: name must be provided',
  dns: 'name must be valid as a DNS name component',
  long: 'name must be 63 characters or fewer',
  secretRequired: 'name must be provided',
  secretInvalid:
    'invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]',
} as const;

/** The name rule for services and networks; undefined when the name is fine. */
export function serviceNameProblem(name: string | null | undefined, field = 'Name'): Problem | undefined {
  if (name == null || name === '') return swarmkitProblem(field, NAME_MESSAGES.required);
  if (!DNS_COMPONENT.test(name)) return swarmkitProblem(field, NAME_MESSAGES.dns);
  if (name.length > MAX_SERVICE_NAME) return swarmkitProblem(field, NAME_MESSAGES.long);
  return undefined;
}

/** The name rule for secrets and configs; undefined when the name is fine. */
export function secretNameProblem(name: string | null | undefined, field = 'Name'): Problem | undefined {
  if (name == null || name === '') return swarmkitProblem(field, NAME_MESSAGES.secretRequired);
  if (name.length > MAX_SECRET_NAME || !SECRET_NAME.test(name)) {
    return swarmkitProblem(field, NAME_MESSAGES.secretInvalid);
  }
  return undefined;
}

export const isValidServiceName = (name: string): boolean => serviceNameProblem(name) === undefined;
export const isValidNetworkName = isValidServiceName;
export const isValidSecretName = (name: string): boolean => secretNameProblem(name) === undefined;
export const isValidConfigName = isValidSecretName;
