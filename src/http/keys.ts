/**
 * JSON keys between the wire and our types.
 *
 * In: Docker decodes bodies with Go's encoding/json, which matches an object key to a
 * struct field exactly or, failing that, case-insensitively, and drops keys that match no
 * field; the docker CLI relies on the first (it sends `Healthcheck` where the swagger and
 * our types say `HealthCheck`), dockerode on the second (it sends `version` in the body of
 * an update). `decodeKeys` does both by walking the Engine structs of
 * src/api/validate/engine-schema.ts (plus the bodies only HTTP decodes, below): keys are
 * renamed to our canonical names, unknown ones dropped, map keys (labels, options) kept as
 * data. Engine fields Shoal does not model (KEEP: PluginSpec, SELinuxContext, ...) are kept
 * as sent, so they round-trip as in Docker. When two keys fold to one field the later
 * wins, as in Go.
 *
 * Out: the Engine's wire names where they differ from ours (Go's `Healthcheck` field of
 * swarm.ContainerSpec): `wireContainerSpec` renames them in a TaskSpec.
 */
import {
  CONFIG_SPEC,
  NETWORK_SPEC,
  NODE_SPEC,
  SECRET_SPEC,
  SERVICE_SPEC,
  SWARM_SPEC,
} from '../api/validate/engine-schema.ts';
import { arr, bool, map, type Shape, type StructShape, str, struct, u32 } from '../api/validate/shape.ts';
import { setOwn } from './request.ts';

const strings = arr(str());
const labels = map(str());

export const INIT_REQUEST = struct('swarm.InitRequest', {
  ListenAddr: str(),
  AdvertiseAddr: str(),
  DataPathAddr: str(),
  DataPathPort: u32(),
  ForceNewCluster: bool,
  Spec: SWARM_SPEC,
  AutoLockManagers: bool,
  Availability: str(),
  DefaultAddrPool: strings,
  SubnetSize: u32(),
});

export const JOIN_REQUEST = struct('swarm.JoinRequest', {
  ListenAddr: str(),
  AdvertiseAddr: str(),
  DataPathAddr: str(),
  RemoteAddrs: strings,
  JoinToken: str(),
  Availability: str(),
});

export const UNLOCK_REQUEST = struct('swarm.UnlockRequest', { UnlockKey: str() });

/** The Engine's network.CreateRequest (POST /networks/create). */
export const NETWORK_CREATE = struct('network.CreateRequest', {
  Name: str(),
  CheckDuplicate: bool,
  Driver: str(),
  Scope: str(),
  EnableIPv4: bool,
  EnableIPv6: bool,
  IPAM: struct('network.IPAM', {
    Driver: str(),
    Options: labels,
    Config: arr(
      struct('network.IPAMConfig', {
        Subnet: str(),
        IPRange: str(),
        Gateway: str(),
        AuxiliaryAddresses: labels,
      }),
    ),
  }),
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  ConfigOnly: bool,
  ConfigFrom: struct('network.ConfigReference', { Network: str() }),
  Options: labels,
  Labels: labels,
});

/** Engine fields outside our shapes, kept whole where they appear (arrays: per item). */
export interface KeepTree {
  readonly [key: string]: true | KeepTree;
}

const KEEP_SWARM: KeepTree = { CAConfig: { ExternalCAs: { CACert: true } } };
const KEEP_SERVICE: KeepTree = {
  TaskTemplate: {
    PluginSpec: true,
    NetworkAttachmentSpec: true,
    ContainerSpec: {
      Privileges: { SELinuxContext: true, Seccomp: true, AppArmor: true, NoNewPrivileges: true },
      Mounts: { BindOptions: { ReadOnlyNonRecursive: true, ReadOnlyForceRecursive: true } },
    },
  },
};

/** A request body's Go struct. */
export interface BodySchema {
  readonly shape: StructShape;
  readonly keep?: KeepTree;
}

export const BODY_SHAPES = {
  service: { shape: SERVICE_SPEC, keep: KEEP_SERVICE },
  node: { shape: NODE_SPEC },
  swarm: { shape: SWARM_SPEC, keep: KEEP_SWARM },
  network: { shape: NETWORK_SPEC },
  secret: { shape: SECRET_SPEC },
  config: { shape: CONFIG_SPEC },
  init: { shape: INIT_REQUEST, keep: { Spec: KEEP_SWARM } },
  join: { shape: JOIN_REQUEST },
  unlock: { shape: UNLOCK_REQUEST },
  networkCreate: { shape: NETWORK_CREATE },
} as const satisfies Record<string, BodySchema>;

const folded = new WeakMap<object, Map<string, string>>();

function foldIndex(fields: object): Map<string, string> {
  let m = folded.get(fields);
  if (m === undefined) {
    m = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
    folded.set(fields, m);
  }
  return m;
}

/** Go's field lookup: exact, else case-insensitive. */
function fieldName(fields: object, key: string): string | undefined {
  return Object.hasOwn(fields, key) ? key : foldIndex(fields).get(key.toLowerCase());
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `value` as Go decodes it into `shape`: struct keys renamed to the canonical field names,
 * unknown ones dropped (except `keep`), a new value; what is not an object where a struct
 * belongs passes through for validation to refuse in Go's words.
 */
export function decodeKeys(value: unknown, shape: Shape, keep: KeepTree = {}): unknown {
  switch (shape.t) {
    case 'array':
      return Array.isArray(value) ? value.map((v) => decodeKeys(v, shape.of, keep)) : value;
    case 'map': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) setOwn(out, k, decodeKeys(v, shape.of));
      return out;
    }
    case 'struct': {
      if (!isRecord(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const name = fieldName(shape.fields, k);
        if (name !== undefined) {
          const sub = keep[name];
          out[name] = decodeKeys(v, shape.fields[name] as Shape, typeof sub === 'object' ? sub : {});
          continue;
        }
        const kept = fieldName(keep, k);
        if (kept !== undefined && keep[kept] === true) out[kept] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

/** Our ContainerSpec key -> the Engine's wire key, where they differ. */
const CONTAINER_WIRE: Readonly<Record<string, string>> = { HealthCheck: 'Healthcheck' };

/** A TaskSpec with its ContainerSpec keys in the Engine's wire names. */
export function wireTaskSpec<T>(spec: T): T {
  if (!isRecord(spec) || !isRecord(spec.ContainerSpec)) return spec;
  const c: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.ContainerSpec)) c[CONTAINER_WIRE[k] ?? k] = v;
  return { ...spec, ContainerSpec: c } as T;
}
