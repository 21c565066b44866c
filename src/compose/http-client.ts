/**
 * A StackClient over the Engine HTTP API (node:http), on a unix socket or TCP: what the
 * `shoal stack` commands use against a daemon, and what the HTTP tests run deploy with.
 * Errors carry the daemon's message (`Error response from daemon: ...` is the CLI's to add)
 * and the HTTP status.
 */
import { request } from 'node:http';
import type { ConfigSpec, SecretSpec } from '../api/secret.ts';
import type { ServiceSpec } from '../api/service.ts';
import type {
  ConfigInfo,
  ListFilters,
  NetworkCreateRequest,
  NetworkInfo,
  SecretInfo,
  ServiceInfo,
  StackClient,
  TaskInfo,
} from './client.ts';

export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface HttpStackClientOptions {
  /** A unix socket path, or `host` + `port`. */
  socketPath?: string;
  host?: string;
  port?: number;
  apiVersion?: string;
}

const filters = (f: object | undefined): string =>
  f === undefined || Object.keys(f).length === 0 ? '' : `?filters=${encodeURIComponent(JSON.stringify(f))}`;

/** The Engine names the health check `Healthcheck` on the wire; our types say `HealthCheck`. */
function fromWire(s: ServiceInfo): ServiceInfo {
  const c = s.Spec?.TaskTemplate?.ContainerSpec as
    | (Record<string, unknown> & { HealthCheck?: unknown })
    | undefined;
  if (c && 'Healthcheck' in c) {
    c.HealthCheck = c.Healthcheck;
    delete c.Healthcheck;
  }
  return s;
}

export class HttpStackClient implements StackClient {
  private readonly prefix: string;

  constructor(private readonly o: HttpStackClientOptions) {
    this.prefix = `/v${o.apiVersion ?? '1.47'}`;
  }

  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.o.socketPath,
          host: this.o.host,
          port: this.o.port,
          method,
          path: this.prefix + path,
          headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const message =
                (json as { message?: string } | undefined)?.message ?? (text.trim() || `HTTP ${status}`);
              reject(new EngineError(status, message));
            } else {
              resolve(json as T);
            }
          });
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async listServices(f?: ListFilters): Promise<ServiceInfo[]> {
    return (await this.call<ServiceInfo[]>('GET', `/services${filters(f)}`)).map(fromWire);
  }
  createService(spec: ServiceSpec) {
    return this.call<{ ID: string; Warnings?: string[] }>('POST', '/services/create', spec);
  }
  async updateService(id: string, version: number, spec: ServiceSpec) {
    const r = await this.call<{ Warnings?: string[] } | undefined>(
      'POST',
      `/services/${encodeURIComponent(id)}/update?version=${version}`,
      spec,
    );
    return r ?? {};
  }
  async removeService(id: string) {
    await this.call('DELETE', `/services/${encodeURIComponent(id)}`);
  }

  listNetworks(f?: ListFilters) {
    return this.call<NetworkInfo[]>('GET', `/networks${filters(f)}`);
  }
  async inspectNetwork(idOrName: string) {
    try {
      return await this.call<NetworkInfo>('GET', `/networks/${encodeURIComponent(idOrName)}`);
    } catch (e) {
      if (e instanceof EngineError && e.status === 404) return undefined;
      throw e;
    }
  }
  createNetwork(req: NetworkCreateRequest) {
    return this.call<{ Id: string }>('POST', '/networks/create', req);
  }
  async removeNetwork(id: string) {
    await this.call('DELETE', `/networks/${encodeURIComponent(id)}`);
  }

  listSecrets(f?: ListFilters) {
    return this.call<SecretInfo[]>('GET', `/secrets${filters(f)}`);
  }
  createSecret(spec: SecretSpec) {
    return this.call<{ ID: string }>('POST', '/secrets/create', spec);
  }
  async updateSecret(id: string, version: number, spec: SecretSpec) {
    await this.call('POST', `/secrets/${encodeURIComponent(id)}/update?version=${version}`, spec);
  }
  async removeSecret(id: string) {
    await this.call('DELETE', `/secrets/${encodeURIComponent(id)}`);
  }

  listConfigs(f?: ListFilters) {
    return this.call<ConfigInfo[]>('GET', `/configs${filters(f)}`);
  }
  createConfig(spec: ConfigSpec) {
    return this.call<{ ID: string }>('POST', '/configs/create', spec);
  }
  async updateConfig(id: string, version: number, spec: ConfigSpec) {
    await this.call('POST', `/configs/${encodeURIComponent(id)}/update?version=${version}`, spec);
  }
  async removeConfig(id: string) {
    await this.call('DELETE', `/configs/${encodeURIComponent(id)}`);
  }

  listTasks(f: { service?: string[]; label?: string[]; 'desired-state'?: string[] }) {
    return this.call<TaskInfo[]>('GET', `/tasks${filters(f)}`);
  }
}
