/**
 * A loaded compose configuration as the Engine objects of stack `<stack>`: networks to
 * create (and external ones to check), secrets, configs and service specs, all named in
 * the stack's namespace and labelled `com.docker.stack.namespace=<stack>`. Pure apart from
 * reading secret and config files.
 */
import type { ConfigSpec, SecretSpec } from '../api/secret.ts';
import type { ServiceSpec } from '../api/service.ts';
import { convertConfigs, convertNetworks, convertSecrets, type PlannedNetworks } from './convert-objects.ts';
import { convertService } from './convert-service.ts';
import { type ComposeConfig, ComposeError } from './types.ts';

export interface StackPlan {
  stack: string;
  networks: PlannedNetworks;
  secrets: SecretSpec[];
  configs: ConfigSpec[];
  /** Ordered by name; secret and config references still lack IDs. */
  services: ServiceSpec[];
}

export interface ConvertOptions {
  readFile?: (path: string) => Buffer;
}

const STACK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateStackName(stack: string): void {
  if (stack === '') throw new ComposeError('invalid stack name: ""');
  if (!STACK_NAME.test(stack)) throw new ComposeError(`invalid stack name: "${stack}"`);
}

export function convertStack(stack: string, config: ComposeConfig, o: ConvertOptions = {}): StackPlan {
  validateStackName(stack);
  return {
    stack,
    networks: convertNetworks(stack, config),
    secrets: convertSecrets(stack, config, o.readFile),
    configs: convertConfigs(stack, config, o.readFile),
    services: config.services.map((s) => convertService(stack, s, config)),
  };
}
