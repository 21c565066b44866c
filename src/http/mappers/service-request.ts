/**
 * A service spec as a client of an older API version means it (moby router/swarm
 * helpers.go adjustForAPIVersion): fields that version did not have are dropped, so an old
 * client's zero values cannot switch on what it never knew about.
 *
 *   < 1.40  ContainerSpec.Sysctls, CredentialSpec.Config, config Runtime targets,
 *           Placement.MaxReplicas
 *   < 1.41  CapabilityAdd/Drop, Ulimits, Limits.Pids, the job modes
 *   < 1.44  Privileges.Seccomp/AppArmor/NoNewPrivileges; on create also
 *           HealthCheck.StartInterval
 *
 * Also the warning Docker gives a client older than 1.30, whose image the daemon itself
 * would pin to a digest: Shoal never queries registries, so it always warns.
 */
import { versionAtLeast } from '../router.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(o: unknown, ...path: string[]): Obj | undefined {
  let cur: unknown = o;
  for (const k of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return isObj(cur) ? cur : undefined;
}

/** Mutates a fresh (decoded) spec in place. */
export function adjustForApiVersion(spec: unknown, version: string, op: 'create' | 'update'): void {
  if (!isObj(spec)) return;
  const container = at(spec, 'TaskTemplate', 'ContainerSpec');
  if (!versionAtLeast(version, '1.40')) {
    if (container) {
      delete container.Sysctls;
      const cred = at(container, 'Privileges', 'CredentialSpec');
      if (cred) delete cred.Config;
      if (Array.isArray(container.Configs)) for (const c of container.Configs) if (isObj(c)) delete c.Runtime;
    }
    const placement = at(spec, 'TaskTemplate', 'Placement');
    if (placement) delete placement.MaxReplicas;
  }
  if (!versionAtLeast(version, '1.41')) {
    if (container) {
      delete container.CapabilityAdd;
      delete container.CapabilityDrop;
      delete container.Ulimits;
    }
    const limits = at(spec, 'TaskTemplate', 'Resources', 'Limits');
    if (limits) delete limits.Pids;
    const mode = at(spec, 'Mode');
    if (mode) {
      delete mode.ReplicatedJob;
      delete mode.GlobalJob;
    }
  }
  if (!versionAtLeast(version, '1.44')) {
    const privileges = at(container, 'Privileges');
    if (privileges) {
      delete privileges.Seccomp;
      delete privileges.AppArmor;
      delete privileges.NoNewPrivileges;
    }
    const health = at(container, 'HealthCheck');
    if (op === 'create' && health) delete health.StartInterval;
  }
}

/** moby's digestWarning. */
export function digestWarning(image: string): string {
  return `image ${image} could not be accessed on a registry to record\nits digest. Each node will access ${image} independently,\npossibly leading to different nodes running different\nversions of the image.\n`;
}

/** Warnings for a create or update: only clients before 1.30 expect the daemon to pin. */
export function pinningWarnings(spec: unknown, version: string): string[] {
  if (versionAtLeast(version, '1.30')) return [];
  const image = at(spec, 'TaskTemplate', 'ContainerSpec')?.Image;
  return typeof image === 'string' && image !== '' && !image.includes('@') ? [digestWarning(image)] : [];
}
