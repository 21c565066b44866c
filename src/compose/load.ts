/**
 * Loading a stack's compose files, as `docker stack deploy -c a.yml [-c b.yml]` does:
 *
 *   read each file -> YAML (1.1 scalars, `<<` merge keys, aliases bounded)
 *     -> forbidden keys refused -> interpolation (`.env` beside the first file, then the
 *     process environment, which wins) -> schema (validate.ts) -> model (normalize.ts)
 *   -> files merged in order (merge.ts)
 *
 * Warnings (`Ignoring unsupported options: build`, deprecated keys) are returned for the
 * caller to print on stderr, as Docker prints them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument, type Tags } from 'yaml';
import { parseEnvFile } from './env.ts';
import { interpolate } from './interpolate.ts';
import { mergeConfigs } from './merge.ts';
import { normalize } from './normalize.ts';
import { type ComposeConfig, ComposeError } from './types.ts';
import { validateCompose } from './validate.ts';

/** Keys that swarm ignores, with Docker's warning naming them. */
export const UNSUPPORTED_PROPERTIES = [
  'build',
  'cgroupns_mode',
  'cgroup_parent',
  'devices',
  'domainname',
  'external_links',
  'ipc',
  'links',
  'mac_address',
  'network_mode',
  'pid',
  'privileged',
  'restart',
  'security_opt',
  'shm_size',
  'userns_mode',
];

export const DEPRECATED_PROPERTIES: Record<string, string> = {
  container_name: 'Setting the container name is not supported.',
  expose:
    "Exposing ports is unnecessary - services on the same network can access each other's containers on any port.",
};

export const FORBIDDEN_PROPERTIES: Record<string, string> = {
  extends: 'Support for `extends` is not implemented yet.',
  volume_driver:
    'Instead of setting the volume driver on the service, define a volume using the top-level `volumes` option and specify the driver there.',
  volumes_from:
    'To share a volume between services, define it using the top-level `volumes` option and reference it from each service that shares it using the service-level `volumes` option.',
  cpu_quota: 'Set resource limits using deploy.resources',
  cpu_shares: 'Set resource limits using deploy.resources',
  cpuset: 'Set resource limits using deploy.resources',
  mem_limit: 'Set resource limits using deploy.resources',
  memswap_limit: 'Set resource limits using deploy.resources',
};

export interface LoadOptions {
  /** Paths as given to `-c`; `-` reads `stdin`. */
  files: string[];
  /** The process environment (default: process.env). */
  env?: Record<string, string | undefined>;
  stdin?: string;
  /** Where a relative path is taken from (default: process.cwd()). */
  cwd?: string;
  readFile?: (path: string) => string;
}

export interface LoadedStack {
  config: ComposeConfig;
  /** What Docker prints on stderr before deploying, each text with its newlines. */
  warnings: string[];
  workingDir: string;
}

// YAML 1.1 as Go's yaml.v2 reads it: yes/no/on/off are booleans, but `80:80` stays a
// string (no base-60 numbers), dates stay strings, and a float needs a digit (`.` is text).
const FLOAT_WITH_DIGIT = /^[-+]?(?=\.?[0-9])(?:[0-9][0-9_]*)?\.[0-9_]*$/;
const yaml11: (tags: Tags) => Tags = (tags) =>
  tags
    .filter((t) => {
      if (typeof t === 'string') return !['intTime', 'floatTime', 'timestamp'].includes(t);
      return !(t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp');
    })
    .map((t) =>
      typeof t === 'object' && t.tag === 'tag:yaml.org,2002:float' && t.test?.test('.')
        ? { ...t, test: FLOAT_WITH_DIGIT }
        : t,
    );

export function parseYaml(source: string): Record<string, unknown> {
  const doc = parseDocument(source, { version: '1.1', merge: true, customTags: yaml11 });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0]?.line;
    const first = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ComposeError(`yaml: ${line === undefined ? '' : `line ${line}: `}${first}`);
  }
  const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ComposeError('top-level object must be a mapping');
  }
  return value as Record<string, unknown>;
}

const services = (doc: Record<string, unknown>): Record<string, Record<string, unknown>> => {
  const s = doc.services;
  return typeof s === 'object' && s !== null && !Array.isArray(s)
    ? (s as Record<string, Record<string, unknown>>)
    : {};
};

function propertiesUsed(docs: Array<Record<string, unknown>>, names: string[]): string[] {
  const used = new Set<string>();
  for (const d of docs)
    for (const s of Object.values(services(d)))
      if (typeof s === 'object' && s !== null) for (const n of names) if (n in s) used.add(n);
  return [...used].sort();
}

const describeAll = (props: string[], table: Record<string, string>) =>
  props
    .map((p) => `${p}: ${table[p]}`)
    .sort()
    .join('\n\n');

function versionOf(doc: Record<string, unknown>): string {
  const v = doc.version === undefined ? '' : String(doc.version);
  return v === '' || v === '3' ? '3.13' : v;
}

function tryRead(read: (p: string) => string, path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

export function loadStack(o: LoadOptions): LoadedStack {
  if (o.files.length === 0) throw new ComposeError('Please specify a Compose file (with --compose-file)');
  const cwd = o.cwd ?? process.cwd();
  const read = o.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const first = o.files[0] ?? '-';
  const workingDir = first === '-' ? cwd : dirname(resolve(cwd, first));

  const processEnv = o.env ?? process.env;
  const dotEnvPath = join(workingDir, '.env');
  const dotEnv = new Map<string, string>();
  const dotEnvText =
    o.readFile === undefined && !existsSync(dotEnvPath) ? undefined : tryRead(read, dotEnvPath);
  for (const [k, v] of parseEnvFile(dotEnvText ?? '', { unquote: true, lookup: (n) => processEnv[n] })) {
    dotEnv.set(k, v);
  }
  const lookup = (name: string): string | undefined => processEnv[name] ?? dotEnv.get(name);

  const docs = o.files.map((f) => parseYaml(f === '-' ? (o.stdin ?? '') : read(resolve(cwd, f))));
  const version = versionOf(docs[0] ?? {});
  const notices: string[] = [];
  const configs = docs.map((doc) => {
    if (versionOf(doc) !== version) {
      throw new ComposeError(
        `version mismatched between two composefiles : ${version} and ${versionOf(doc)}`,
      );
    }
    if (!/^3(\.([0-9]|1[0-4]))?$/.test(version))
      throw new ComposeError(`unsupported Compose file version: ${version}`);
    const forbidden = propertiesUsed([doc], Object.keys(FORBIDDEN_PROPERTIES));
    if (forbidden.length > 0) {
      throw new ComposeError(
        `Compose file contains unsupported options:\n\n${describeAll(forbidden, FORBIDDEN_PROPERTIES)}\n`,
      );
    }
    const interpolated = interpolate(doc, lookup);
    validateCompose(interpolated);
    return normalize(interpolated, version, { workingDir, lookup, warnings: notices, readFile: o.readFile });
  });

  const warnings = notices.map((n) => `${n}\n`);
  const unsupported = propertiesUsed(docs, UNSUPPORTED_PROPERTIES);
  if (unsupported.length > 0) warnings.push(`Ignoring unsupported options: ${unsupported.join(', ')}\n\n`);
  const deprecated = propertiesUsed(docs, Object.keys(DEPRECATED_PROPERTIES));
  if (deprecated.length > 0) {
    warnings.push(`Ignoring deprecated options:\n\n${describeAll(deprecated, DEPRECATED_PROPERTIES)}\n\n`);
  }
  return { config: mergeConfigs(configs), warnings, workingDir };
}
