/**
 * src/api/validate: Docker's rules for user-written specs, with Docker's messages. It sits
 * at the top of a task's path: controlapi validates a ServiceSpec (and Node, Swarm,
 * Network, Secret, Config specs) here before writing it to the store, and never stores
 * one with problems. Validators are pure: `validateX(spec)` returns Problem values in
 * Docker's order (the first is what Docker would answer), `assertValidX` throws the
 * domain error. Also here: the constraint parser the scheduler matches nodes with, the
 * stored form and the --insertDefaults view of a service spec, and the version rule.
 * See docs/design/validation.md.
 */
export * from './constraint.ts';
export { SERVICE_DEFAULTS, withServiceDefaults } from './defaults.ts';
export { portProtocol, portPublishMode } from './endpoint.ts';
export { isValidImageReference } from './image.ts';
export { type Cidr, cidrContains, parseCidr, parseIp } from './ip.ts';
export { mountProblemsAtStart } from './mounts.ts';
export {
  isValidConfigName,
  isValidNetworkName,
  isValidSecretName,
  isValidServiceName,
  MAX_SECRET_NAME,
  MAX_SERVICE_NAME,
  NAME_MESSAGES,
  secretNameProblem,
  serviceNameProblem,
} from './names.ts';
export { assertValidNetworkSpec, validateNetworkSpec } from './network.ts';
export {
  assertValidNodeSpec,
  type NodeValidationOptions,
  normalizeNodeSpec,
  validateNodeSpec,
} from './node.ts';
export { type NormalizeOptions, normalizeServiceSpec } from './normalize.ts';
export * from './problem.ts';
export {
  assertValidConfigSpec,
  assertValidSecretSpec,
  CONFIG_DATA_LIMIT,
  SECRET_DATA_LIMIT,
  validateConfigSpec,
  validateConfigUpdate,
  validateSecretSpec,
  validateSecretUpdate,
} from './secret.ts';
export { assertValidServiceSpec, type ServiceValidationOptions, validateServiceSpec } from './service.ts';
export {
  ingressAttachmentProblems,
  needsIngressNetwork,
  portConflictProblems,
  referencedObjectProblems,
  type ServiceContext,
  serviceContextProblems,
} from './service-context.ts';
export {
  assertValidSwarmSpec,
  MIN_NODE_CERT_EXPIRY_NS,
  type SwarmValidationOptions,
  validateSwarmSpec,
} from './swarm.ts';
export { checkVersion, isCurrentVersion } from './version.ts';
