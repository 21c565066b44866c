/**
 * StackClient: the few Engine API calls a stack needs, as an interface so the deploy logic
 * runs the same against the HTTP API (http-client.ts), an in-memory fake (fake-client.ts)
 * or anything else. Shapes are the Engine API's; `filters.label` entries are `key=value`
 * or `key` (present), as the Engine's label filter reads them.
 */
import type { Labels } from '../api/meta.ts';
import type { ConfigSpec, SecretSpec } from '../api/secret.ts';
import type { ServiceSpec } from '../api/service.ts';

export interface ObjectRef {
  ID: string;
  Version: { Index: number };
}

export interface ServiceInfo extends ObjectRef {
  Spec: ServiceSpec;
}

export interface NetworkInfo {
  Id: string;
  Name: string;
  Scope: string;
  Driver?: string;
  Labels?: Labels;
}

export interface SecretInfo extends ObjectRef {
  Spec: SecretSpec;
}

export interface ConfigInfo extends ObjectRef {
  Spec: ConfigSpec;
}

export interface TaskInfo {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; Message?: string; Err?: string; Timestamp?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
  Labels?: Labels;
}

export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Scope?: string;
  Options?: Record<string, string>;
  Internal?: boolean;
  Attachable?: boolean;
  Labels?: Labels;
  IPAM?: { Driver?: string; Config?: Array<{ Subnet?: string }> };
}

export interface ListFilters {
  label?: string[];
  name?: string[];
}

export interface StackClient {
  listServices(filters?: ListFilters): Promise<ServiceInfo[]>;
  createService(spec: ServiceSpec): Promise<{ ID: string; Warnings?: string[] }>;
  updateService(id: string, version: number, spec: ServiceSpec): Promise<{ Warnings?: string[] }>;
  removeService(id: string): Promise<void>;

  listNetworks(filters?: ListFilters): Promise<NetworkInfo[]>;
  /** undefined when there is no such network. */
  inspectNetwork(idOrName: string): Promise<NetworkInfo | undefined>;
  createNetwork(req: NetworkCreateRequest): Promise<{ Id: string }>;
  removeNetwork(id: string): Promise<void>;

  listSecrets(filters?: ListFilters): Promise<SecretInfo[]>;
  createSecret(spec: SecretSpec): Promise<{ ID: string }>;
  updateSecret(id: string, version: number, spec: SecretSpec): Promise<void>;
  removeSecret(id: string): Promise<void>;

  listConfigs(filters?: ListFilters): Promise<ConfigInfo[]>;
  createConfig(spec: ConfigSpec): Promise<{ ID: string }>;
  updateConfig(id: string, version: number, spec: ConfigSpec): Promise<void>;
  removeConfig(id: string): Promise<void>;

  listTasks?(filters: {
    service?: string[];
    label?: string[];
    'desired-state'?: string[];
  }): Promise<TaskInfo[]>;
}
