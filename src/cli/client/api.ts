/**
 * The typed calls the CLI makes, one per Engine endpoint it uses. Objects come back in the
 * Engine's JSON shapes (src/api's types, plus the few Engine-only fields declared here).
 */
import type { Cluster, Config, Node, Secret, Service, ServiceSpec, Task } from '../../api/index.ts';
import { chooseHost, parseHost } from './host.ts';
import { HttpClient, type Query } from './http.ts';

export interface EngineService extends Service {
  ServiceStatus?: { RunningTasks: number; DesiredTasks: number; CompletedTasks: number };
}

export interface EngineNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  EnableIPv4?: boolean;
  IPAM: { Driver: string; Options?: Record<string, string>; Config: Array<Record<string, string>> };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
}

export interface SwarmInfo {
  NodeID: string;
  NodeAddr: string;
  LocalNodeState: string;
  ControlAvailable: boolean;
  Error: string;
  RemoteManagers?: Array<{ NodeID: string; Addr: string }> | null;
  Nodes?: number;
  Managers?: number;
  Cluster?: Cluster;
}

export interface EngineInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  KernelVersion?: string;
  DockerRootDir?: string;
  Swarm: SwarmInfo;
  Warnings?: string[] | null;
  [k: string]: unknown;
}

export type Filters = Record<string, string[]>;

function filtersQuery(f: Filters | undefined): string | undefined {
  if (f === undefined || Object.keys(f).length === 0) return undefined;
  return JSON.stringify(
    Object.fromEntries(Object.entries(f).map(([k, vs]) => [k, Object.fromEntries(vs.map((v) => [v, true]))])),
  );
}

export class ShoalClient {
  constructor(readonly http: HttpClient) {}

  static fromHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ShoalClient {
    const host = chooseHost(flag, env);
    return new ShoalClient(new HttpClient(parseHost(host), host));
  }

  private get<T>(path: string, query?: Query): Promise<T> {
    return this.http.json<T>('GET', path, query ? { query } : {});
  }

  private post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.http.json<T>('POST', path, { ...(body !== undefined && { body }), ...(query && { query }) });
  }

  private async del(path: string, query?: Query): Promise<void> {
    await this.http.request('DELETE', path, query ? { query } : {});
  }

  info = () => this.get<EngineInfo>('/info');
  version = () => this.get<Record<string, unknown>>('/version');

  swarmInspect = () => this.get<Cluster>('/swarm');
  swarmInit = (req: unknown) => this.post<string>('/swarm/init', req);
  swarmJoin = (req: unknown) => this.post<void>('/swarm/join', req);
  swarmLeave = (force: boolean) => this.post<void>('/swarm/leave', undefined, { force });
  swarmUpdate = (spec: unknown, version: number, flags: Query = {}) =>
    this.post<void>('/swarm/update', spec, { version, ...flags });
  swarmUnlock = (key: string) => this.post<void>('/swarm/unlock', { UnlockKey: key });
  unlockKey = () => this.get<{ UnlockKey: string }>('/swarm/unlockkey');

  nodes = (filters?: Filters) => this.get<Node[]>('/nodes', { filters: filtersQuery(filters) });
  node = (id: string) => this.get<Node>(`/nodes/${encodeURIComponent(id)}`);
  nodeUpdate = (id: string, version: number, spec: unknown) =>
    this.post<void>(`/nodes/${encodeURIComponent(id)}/update`, spec, { version });
  nodeRemove = (id: string, force: boolean) => this.del(`/nodes/${encodeURIComponent(id)}`, { force });

  services = (filters?: Filters, status = true) =>
    this.get<EngineService[]>('/services', { filters: filtersQuery(filters), status: status || undefined });
  service = (id: string, insertDefaults = false) =>
    this.get<EngineService>(`/services/${encodeURIComponent(id)}`, {
      insertDefaults: insertDefaults || undefined,
    });
  serviceCreate = (spec: ServiceSpec) =>
    this.post<{ ID: string; Warnings?: string[] }>('/services/create', spec);
  serviceUpdate = (id: string, version: number, spec: ServiceSpec, rollback?: 'previous') =>
    this.post<{ Warnings?: string[] }>(`/services/${encodeURIComponent(id)}/update`, spec, {
      version,
      rollback,
    });
  serviceRemove = (id: string) => this.del(`/services/${encodeURIComponent(id)}`);
  serviceLogs = (id: string, query: Query) =>
    this.http.stream(`/services/${encodeURIComponent(id)}/logs`, { query });
  taskLogs = (id: string, query: Query) =>
    this.http.stream(`/tasks/${encodeURIComponent(id)}/logs`, { query });

  tasks = (filters?: Filters) => this.get<Task[]>('/tasks', { filters: filtersQuery(filters) });
  task = (id: string) => this.get<Task>(`/tasks/${encodeURIComponent(id)}`);

  networks = (filters?: Filters) =>
    this.get<EngineNetwork[]>('/networks', { filters: filtersQuery(filters) });
  network = (id: string) => this.get<EngineNetwork>(`/networks/${encodeURIComponent(id)}`);
  networkCreate = (req: unknown) => this.post<{ Id: string; Warning?: string }>('/networks/create', req);
  networkRemove = (id: string) => this.del(`/networks/${encodeURIComponent(id)}`);

  secrets = (filters?: Filters) => this.get<Secret[]>('/secrets', { filters: filtersQuery(filters) });
  secret = (id: string) => this.get<Secret>(`/secrets/${encodeURIComponent(id)}`);
  secretCreate = (spec: unknown) => this.post<{ ID: string }>('/secrets/create', spec);
  secretRemove = (id: string) => this.del(`/secrets/${encodeURIComponent(id)}`);

  configs = (filters?: Filters) => this.get<Config[]>('/configs', { filters: filtersQuery(filters) });
  config = (id: string) => this.get<Config>(`/configs/${encodeURIComponent(id)}`);
  configCreate = (spec: unknown) => this.post<{ ID: string }>('/configs/create', spec);
  configRemove = (id: string) => this.del(`/configs/${encodeURIComponent(id)}`);
}
