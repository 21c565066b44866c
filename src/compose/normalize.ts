/**
 * One validated compose document to the model of types.ts, the way the docker CLI's loader
 * reads it: short syntaxes expanded, lists and mappings unified, durations and sizes
 * parsed, relative paths resolved against the project directory, env files read.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseEnvFile } from './env.ts';
import { parsePortSpec } from './ports.ts';
import type { Lookup } from './template.ts';
import {
  type ComposeConfig,
  ComposeError,
  type DeployConfig,
  type FileObjectConfig,
  type FileReference,
  type HealthcheckConfig,
  type NetworkConfig,
  type PortConfig,
  type ServiceConfig,
  type ServiceNetwork,
  type UpdateConfig,
  type VolumeConfig,
  type VolumeMount,
} from './types.ts';
import { parseDuration, ramInBytes, shellSplit } from './units.ts';
import { parseVolumeSpec, resolveBindSource } from './volumes.ts';

// biome-ignore lint/suspicious/noExplicitAny: validated YAML is read field by field
type Raw = any;

export interface NormalizeContext {
  workingDir: string;
  lookup: Lookup;
  /** Non-fatal notices (deprecated spellings), in Docker's words. */
  warnings: string[];
  readFile?: (path: string) => string;
}

const asString = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

function stringMap(v: Raw, sep = '='): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = String(item);
      const i = s.indexOf(sep);
      if (i < 0) out[s] = '';
      else out[s.slice(0, i)] = s.slice(i + 1);
    }
  } else {
    for (const [k, x] of Object.entries(v)) out[k] = asString(x);
  }
  return out;
}

const list = (v: Raw): string[] | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? v.map(String) : [String(v)];
const command = (v: Raw): string[] | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'string' ? shellSplit(v) : v.map(String);
const dur = (v: Raw): number | undefined =>
  v === undefined || v === null ? undefined : parseDuration(String(v));

function updateConfig(v: Raw): UpdateConfig | undefined {
  if (v === undefined || v === null) return undefined;
  return {
    parallelism: v.parallelism,
    delay: dur(v.delay),
    failure_action: v.failure_action,
    monitor: dur(v.monitor),
    max_failure_ratio: v.max_failure_ratio,
    order: v.order,
  };
}

function deploy(v: Raw): DeployConfig | undefined {
  if (v === undefined || v === null) return undefined;
  const res = (r: Raw) =>
    r === undefined || r === null
      ? undefined
      : {
          cpus: r.cpus === undefined ? undefined : String(r.cpus),
          memory: r.memory === undefined ? undefined : ramInBytes(r.memory),
          pids: r.pids,
          generic_resources: r.generic_resources,
        };
  const rp = v.restart_policy;
  return {
    mode: v.mode,
    replicas: v.replicas,
    labels: stringMap(v.labels),
    update_config: updateConfig(v.update_config),
    rollback_config: updateConfig(v.rollback_config),
    resources:
      v.resources === undefined
        ? undefined
        : { limits: res(v.resources.limits), reservations: res(v.resources.reservations) },
    restart_policy:
      rp === undefined || rp === null
        ? undefined
        : {
            condition: rp.condition,
            delay: dur(rp.delay),
            max_attempts: rp.max_attempts,
            window: dur(rp.window),
          },
    placement: v.placement,
    endpoint_mode: v.endpoint_mode,
  };
}

function ports(v: Raw): PortConfig[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((p: Raw): PortConfig[] => (typeof p === 'object' ? [{ ...p }] : parsePortSpec(String(p))));
}

function volumes(v: Raw, ctx: NormalizeContext): VolumeMount[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map((x: Raw) => {
    const m: VolumeMount = typeof x === 'string' ? parseVolumeSpec(x) : { ...x };
    if (m.type === 'bind') {
      if (!m.source)
        throw new ComposeError('invalid mount config for type "bind": field Source must not be empty');
      m.source = resolveBindSource(m.source, ctx.workingDir, ctx.lookup('HOME'));
    }
    return m;
  });
}

function networks(v: Raw): Record<string, ServiceNetwork | null> | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return Object.fromEntries(v.map((n: string) => [n, null]));
  const out: Record<string, ServiceNetwork | null> = {};
  for (const [name, n] of Object.entries(v as Record<string, Raw>)) {
    out[name] = n === null ? null : { aliases: n.aliases, driver_opts: stringMap(n.driver_opts) };
  }
  return out;
}

const refs = (v: Raw): FileReference[] | undefined =>
  Array.isArray(v) ? v.map((r: Raw) => (typeof r === 'string' ? { source: r } : { ...r })) : undefined;

function healthcheck(v: Raw): HealthcheckConfig | undefined {
  if (v === undefined || v === null) return undefined;
  return {
    test: v.test === undefined ? undefined : typeof v.test === 'string' ? ['CMD-SHELL', v.test] : v.test,
    interval: dur(v.interval),
    timeout: dur(v.timeout),
    retries: v.retries,
    start_period: dur(v.start_period),
    start_interval: dur(v.start_interval),
    disable: v.disable,
  };
}

/** env_file entries then `environment`; an empty or bare value is taken from the shell when set there. */
function environment(v: Raw, ctx: NormalizeContext): Record<string, string | null> | undefined {
  const env: Record<string, string | null> = {};
  const put = (k: string, value: string | null) => {
    const fromShell = ctx.lookup(k);
    env[k] = (value === null || value === '') && fromShell !== undefined ? fromShell : value;
  };
  const files = list(v.env_file) ?? [];
  const read = ctx.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  for (const f of files) {
    for (const [k, value] of parseEnvFile(read(resolve(ctx.workingDir, f)), { lookup: ctx.lookup }))
      put(k, value);
  }
  const e = v.environment;
  if (Array.isArray(e)) {
    for (const item of e) {
      const s = String(item);
      const i = s.indexOf('=');
      put(i < 0 ? s : s.slice(0, i), i < 0 ? null : s.slice(i + 1));
    }
  } else if (e !== undefined && e !== null) {
    for (const [k, x] of Object.entries(e)) put(k, x === null ? null : String(x));
  }
  return files.length === 0 && (e === undefined || e === null) ? undefined : env;
}

function extraHosts(v: Raw): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  return Object.entries(v as Record<string, unknown>)
    .filter(([, ip]) => ip !== null)
    .map(([host, ip]) => `${host}:${String(ip)}`)
    .sort();
}

function ulimits(v: Raw): ServiceConfig['ulimits'] {
  if (v === undefined || v === null) return undefined;
  const out: NonNullable<ServiceConfig['ulimits']> = {};
  for (const [k, x] of Object.entries(v as Record<string, Raw>)) {
    out[k] = typeof x === 'number' ? { single: x } : { soft: x.soft, hard: x.hard };
  }
  return out;
}

function service(name: string, v: Raw, ctx: NormalizeContext): ServiceConfig {
  return {
    name,
    image: v.image,
    command: command(v.command),
    entrypoint: command(v.entrypoint),
    environment: environment(v, ctx),
    labels: stringMap(v.labels),
    deploy: deploy(v.deploy),
    ports: ports(v.ports),
    volumes: volumes(v.volumes, ctx),
    networks: networks(v.networks),
    secrets: refs(v.secrets),
    configs: refs(v.configs),
    healthcheck: healthcheck(v.healthcheck),
    hostname: v.hostname,
    user: v.user,
    working_dir: v.working_dir,
    stop_grace_period: dur(v.stop_grace_period),
    stop_signal: v.stop_signal,
    extra_hosts: extraHosts(v.extra_hosts),
    dns: list(v.dns),
    dns_search: list(v.dns_search),
    cap_add: v.cap_add,
    cap_drop: v.cap_drop,
    sysctls: stringMap(v.sysctls),
    ulimits: ulimits(v.ulimits),
    init: v.init,
    read_only: v.read_only,
    tty: v.tty,
    stdin_open: v.stdin_open,
    tmpfs: list(v.tmpfs),
    logging:
      v.logging === undefined
        ? undefined
        : { driver: v.logging.driver, options: stringMap(v.logging.options) },
    isolation: v.isolation,
    oom_score_adj: v.oom_score_adj,
    restart: v.restart,
  };
}

/** `external: true` or the deprecated `external: {name}`, folded into `name`. */
function external(
  kind: string,
  key: string,
  v: Raw,
  ctx: NormalizeContext,
): { external?: boolean; name?: string } {
  const ext = v.external;
  if (ext === undefined || ext === false) return { name: v.name };
  const extName = typeof ext === 'object' && ext !== null ? ext.name : undefined;
  if (extName !== undefined && extName !== '') {
    if (v.name) {
      throw new ComposeError(
        `${kind} ${key}: ${kind}.external.name and ${kind}.name conflict; only use ${kind}.name`,
      );
    }
    ctx.warnings.push(`${kind} ${key}: ${kind}.external.name is deprecated in favor of ${kind}.name`);
    return { external: true, name: extName };
  }
  return { external: true, name: v.name || key };
}

function network(key: string, v: Raw, ctx: NormalizeContext): NetworkConfig {
  if (v === null || v === undefined) return {};
  return {
    ...external('network', key, v, ctx),
    driver: v.driver,
    driver_opts: stringMap(v.driver_opts),
    ipam: v.ipam,
    internal: v.internal,
    attachable: v.attachable,
    labels: stringMap(v.labels),
  };
}

function volume(key: string, v: Raw, ctx: NormalizeContext): VolumeConfig {
  if (v === null || v === undefined) return {};
  if (v.external !== undefined && v.external !== false) {
    for (const k of ['driver', 'driver_opts', 'labels']) {
      if (v[k] !== undefined && !(typeof v[k] === 'object' && Object.keys(v[k]).length === 0)) {
        throw new ComposeError(`conflicting parameters "external" and "${k}" specified for volume "${key}"`);
      }
    }
  }
  return {
    ...external('volume', key, v, ctx),
    driver: v.driver,
    driver_opts: stringMap(v.driver_opts),
    labels: stringMap(v.labels),
  };
}

function fileObject(kind: string, key: string, v: Raw, ctx: NormalizeContext): FileObjectConfig {
  const out: FileObjectConfig = {
    ...external(kind, key, v, ctx),
    labels: stringMap(v.labels),
    driver: v.driver,
    driver_opts: stringMap(v.driver_opts),
    template_driver: v.template_driver,
  };
  if (out.external) return out;
  if (v.driver) {
    if (v.file)
      throw new ComposeError(
        `${kind} ${key}: ${kind}.driver and ${kind}.file conflict; only use ${kind}.driver`,
      );
    return out;
  }
  const file = asString(v.file);
  out.file = isAbsolute(file) ? file : resolve(ctx.workingDir, file);
  return out;
}

function section<T>(v: Raw, each: (key: string, x: Raw) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries((v ?? {}) as Record<string, Raw>))
    if (!k.startsWith('x-')) out[k] = each(k, x);
  return out;
}

export function normalize(doc: Raw, version: string, ctx: NormalizeContext): ComposeConfig {
  return {
    version,
    services: Object.entries((doc.services ?? {}) as Record<string, Raw>)
      .map(([name, v]) => service(name, v, ctx))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    networks: section(doc.networks, (k, x) => network(k, x, ctx)),
    volumes: section(doc.volumes, (k, x) => volume(k, x, ctx)),
    secrets: section(doc.secrets, (k, x) => fileObject('secret', k, x, ctx)),
    configs: section(doc.configs, (k, x) => fileObject('config', k, x, ctx)),
  };
}
