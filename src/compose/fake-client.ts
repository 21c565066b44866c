/**
 * An in-memory StackClient for tests: objects in maps, versions that grow on every write,
 * Docker's name conflicts and stale-version refusals, label and name filters as the Engine
 * applies them, and a log of every call (`calls`) for asserting what a deploy did.
 */
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
} from './client.ts';

export interface Call {
  op: string;
  name?: string;
  id?: string;
  version?: number;
}

const clone = <T>(x: T): T => structuredClone(x);

function matches(
  labels: Record<string, string> | undefined,
  name: string,
  f: ListFilters | undefined,
): boolean {
  for (const l of f?.label ?? []) {
    const i = l.indexOf('=');
    const key = i < 0 ? l : l.slice(0, i);
    if (labels?.[key] === undefined) return false;
    if (i >= 0 && labels[key] !== l.slice(i + 1)) return false;
  }
  if (f?.name !== undefined && f.name.length > 0 && !f.name.some((n) => name.startsWith(n))) return false;
  return true;
}

export class FakeStackClient implements StackClient {
  readonly calls: Call[] = [];
  readonly services = new Map<string, ServiceInfo>();
  readonly networks = new Map<string, NetworkInfo & { request: NetworkCreateRequest }>();
  readonly secrets = new Map<string, SecretInfo>();
  readonly configs = new Map<string, ConfigInfo>();
  private seq = 0;
  private index = 0;

  private id(prefix: string): string {
    this.seq++;
    return `${prefix}${String(this.seq).padStart(24, '0')}`;
  }

  private conflict(kind: string, name: string, taken: Iterable<{ name: string }>): void {
    for (const t of taken) {
      if (t.name === name) throw new Error(`${kind} ${name} already exists`);
    }
  }

  async listServices(f?: ListFilters) {
    return [...this.services.values()].filter((s) => matches(s.Spec.Labels, s.Spec.Name, f)).map(clone);
  }
  async createService(spec: ServiceSpec) {
    this.conflict(
      'service',
      spec.Name,
      [...this.services.values()].map((s) => ({ name: s.Spec.Name })),
    );
    const ID = this.id('s');
    this.services.set(ID, { ID, Version: { Index: ++this.index }, Spec: clone(spec) });
    this.calls.push({ op: 'createService', name: spec.Name, id: ID });
    return { ID };
  }
  async updateService(id: string, version: number, spec: ServiceSpec) {
    const s = this.services.get(id);
    if (s === undefined) throw new Error(`service ${id} not found`);
    if (s.Version.Index !== version) throw new Error('update out of sequence');
    s.Spec = clone(spec);
    s.Version = { Index: ++this.index };
    this.calls.push({ op: 'updateService', name: spec.Name, id, version });
    return {};
  }
  async removeService(id: string) {
    const s = this.services.get(id);
    if (s === undefined) throw new Error(`service ${id} not found`);
    this.services.delete(id);
    this.calls.push({ op: 'removeService', name: s.Spec.Name, id });
  }

  async listNetworks(f?: ListFilters) {
    return [...this.networks.values()]
      .filter((n) => matches(n.Labels, n.Name, f))
      .map(({ request: _r, ...n }) => clone(n));
  }
  async inspectNetwork(ref: string) {
    const n = [...this.networks.values()].find((x) => x.Id === ref || x.Name === ref);
    if (n === undefined) return undefined;
    const { request: _r, ...rest } = n;
    return clone(rest);
  }
  async createNetwork(req: NetworkCreateRequest) {
    this.conflict(
      'network with name',
      req.Name,
      [...this.networks.values()].map((n) => ({ name: n.Name })),
    );
    const Id = this.id('n');
    this.networks.set(Id, {
      Id,
      Name: req.Name,
      Scope: 'swarm',
      Driver: req.Driver ?? 'overlay',
      Labels: req.Labels ?? {},
      request: clone(req),
    });
    this.calls.push({ op: 'createNetwork', name: req.Name, id: Id });
    return { Id };
  }
  async removeNetwork(id: string) {
    const n = this.networks.get(id);
    if (n === undefined) throw new Error(`network ${id} not found`);
    this.networks.delete(id);
    this.calls.push({ op: 'removeNetwork', name: n.Name, id });
  }

  async listSecrets(f?: ListFilters) {
    return [...this.secrets.values()]
      .filter((s) => matches(s.Spec.Labels, s.Spec.Name, f))
      .map((s) => ({ ...clone(s), Spec: { ...clone(s.Spec), Data: undefined } }));
  }
  async createSecret(spec: SecretSpec) {
    this.conflict(
      'secret',
      spec.Name,
      [...this.secrets.values()].map((s) => ({ name: s.Spec.Name })),
    );
    const ID = this.id('x');
    this.secrets.set(ID, { ID, Version: { Index: ++this.index }, Spec: clone(spec) });
    this.calls.push({ op: 'createSecret', name: spec.Name, id: ID });
    return { ID };
  }
  async updateSecret(id: string, version: number, spec: SecretSpec) {
    const s = this.secrets.get(id);
    if (s === undefined || s.Version.Index !== version) throw new Error('update out of sequence');
    if (spec.Data !== undefined && spec.Data !== s.Spec.Data)
      throw new Error('only updates to Labels are allowed');
    s.Spec = { ...s.Spec, Labels: clone(spec.Labels) };
    s.Version = { Index: ++this.index };
    this.calls.push({ op: 'updateSecret', name: spec.Name, id, version });
  }
  async removeSecret(id: string) {
    const s = this.secrets.get(id);
    this.secrets.delete(id);
    this.calls.push({ op: 'removeSecret', name: s?.Spec.Name, id });
  }

  async listConfigs(f?: ListFilters) {
    return [...this.configs.values()].filter((s) => matches(s.Spec.Labels, s.Spec.Name, f)).map(clone);
  }
  async createConfig(spec: ConfigSpec) {
    this.conflict(
      'config',
      spec.Name,
      [...this.configs.values()].map((s) => ({ name: s.Spec.Name })),
    );
    const ID = this.id('c');
    this.configs.set(ID, { ID, Version: { Index: ++this.index }, Spec: clone(spec) });
    this.calls.push({ op: 'createConfig', name: spec.Name, id: ID });
    return { ID };
  }
  async updateConfig(id: string, version: number, spec: ConfigSpec) {
    const c = this.configs.get(id);
    if (c === undefined || c.Version.Index !== version) throw new Error('update out of sequence');
    if (spec.Data !== c.Spec.Data) throw new Error('only updates to Labels are allowed');
    c.Spec = clone(spec);
    c.Version = { Index: ++this.index };
    this.calls.push({ op: 'updateConfig', name: spec.Name, id, version });
  }
  async removeConfig(id: string) {
    const c = this.configs.get(id);
    this.configs.delete(id);
    this.calls.push({ op: 'removeConfig', name: c?.Spec.Name, id });
  }

  /** Calls other than reads, as `op name` strings, then forgets them. */
  takeCalls(): string[] {
    const out = this.calls.map((c) => `${c.op} ${c.name ?? c.id}`);
    this.calls.length = 0;
    return out;
  }
}
