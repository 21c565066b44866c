/**
 * ContainerSpec rules, split by the Docker layer that owns them:
 * - engine (daemon/cluster/convert/container.go): the credential spec names exactly one
 *   source, each config reference has exactly one target (file or runtime), mount types
 *   and bind propagation are known names (case-insensitive);
 * - swarmkit (controlapi/service.go): secret and config references are complete and their
 *   file targets distinct, a credential spec's config is referenced with a runtime target,
 *   the image is a valid reference, mount points are distinct, health-check durations are
 *   0 or at least 1ms and retries are not negative.
 * Mount sources/targets are not checked here: Docker checks them when a task starts (see
 * `mountProblemsAtStart` in mounts.ts).
 */
import type { ConfigReference, ContainerSpec, SecretReference } from '../task-spec.ts';
import { goDuration, goQuote } from './go-format.ts';
import { isValidImageReference } from './image.ts';
import { engineProblem, type Problem, shoalProblem, swarmkitProblem } from './problem.ts';

const MOUNT_TYPES = new Set(['BIND', 'VOLUME', 'TMPFS', 'NPIPE', 'CLUSTER']);
const PROPAGATIONS = new Set(['RPRIVATE', 'PRIVATE', 'RSHARED', 'SHARED', 'RSLAVE', 'SLAVE']);
const MIN_HEALTH_NS = 1_000_000;

interface CredentialSpec {
  Config?: string;
  File?: string;
  Registry?: string;
}

function credentialSpec(c: ContainerSpec): CredentialSpec | undefined {
  const cs = c.Privileges?.CredentialSpec;
  return typeof cs === 'object' && cs !== null ? (cs as CredentialSpec) : undefined;
}

function credentialSpecProblem(cs: CredentialSpec): string | undefined {
  const given: string[] = [];
  if (cs.Config) given.push('"config"');
  if (cs.File) given.push('"file"');
  if (cs.Registry) given.push('"registry"');
  if (given.length === 0) return 'must either provide "file", "registry", or "config" for credential spec';
  if (given.length === 2) return `cannot specify both ${given[0]} and ${given[1]} credential specs`;
  if (given.length > 2)
    return `cannot specify both ${given.slice(0, -1).join(', ')}, and ${given.at(-1)} credential specs`;
  return undefined;
}

/** The daemon's conversion rules, in its order. */
export function containerEngineProblems(c: ContainerSpec, base: string): Problem[] {
  const out: Problem[] = [];
  const cs = credentialSpec(c);
  const csProblem = cs && credentialSpecProblem(cs);
  if (csProblem)
    out.push(engineProblem(`${base}.Privileges.CredentialSpec`, `invalid CredentialSpec: ${csProblem}`));
  for (const [i, ref] of (c.Configs ?? []).entries()) {
    if (!ref) continue;
    const field = `${base}.Configs.${i}`;
    if (!ref.Runtime && !ref.File)
      out.push(engineProblem(field, 'invalid Config: either File or Runtime should be set'));
    if (ref.Runtime && ref.File)
      out.push(engineProblem(field, 'invalid Config: cannot specify both File and Runtime'));
  }
  for (const [i, m] of (c.Mounts ?? []).entries()) {
    if (!m) continue;
    const type = m.Type as string | undefined;
    if (type && !MOUNT_TYPES.has(type.toUpperCase())) {
      out.push(engineProblem(`${base}.Mounts.${i}.Type`, `invalid MountType: ${goQuote(type)}`));
    }
    const prop = m.BindOptions?.Propagation;
    if (prop && !PROPAGATIONS.has(prop.toUpperCase())) {
      out.push(
        engineProblem(
          `${base}.Mounts.${i}.BindOptions.Propagation`,
          `invalid MountPropagation: ${goQuote(prop)}`,
        ),
      );
    }
  }
  return out;
}

function fileTargets<R extends SecretReference | ConfigReference>(
  refs: readonly (R | null | undefined)[],
  kind: 'secret' | 'config',
  base: string,
  nameOf: (r: R) => string,
  idOf: (r: R) => string,
): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, string>();
  for (const [i, ref] of refs.entries()) {
    const field = `${base}.${i}`;
    if (!ref || !idOf(ref) || !nameOf(ref)) out.push(swarmkitProblem(field, `malformed ${kind} reference`));
    else if (!ref.File && !(kind === 'config' && (ref as ConfigReference).Runtime)) {
      out.push(swarmkitProblem(field, `malformed ${kind} reference, no target provided`));
    } else if (ref.File) {
      const file = ref.File.Name;
      const prev = seen.get(file);
      if (!file) {
        out.push(
          swarmkitProblem(
            `${field}.File.Name`,
            `malformed file ${kind} reference, invalid target file name provided`,
          ),
        );
      } else if (prev !== undefined) {
        const msg = `${kind} references '${prev}' and '${nameOf(ref)}' have a conflicting target: '${file}'`;
        out.push(swarmkitProblem(`${field}.File.Name`, msg));
      } else seen.set(file, nameOf(ref));
    }
  }
  return out;
}

/** swarmkit's validateSecretRefsSpec and validateConfigRefsSpec. */
export function referenceProblems(c: ContainerSpec, base: string): Problem[] {
  const secrets = fileTargets(
    c.Secrets ?? [],
    'secret',
    `${base}.Secrets`,
    (r) => r.SecretName,
    (r) => r.SecretID,
  );
  const configs = fileTargets(
    c.Configs ?? [],
    'config',
    `${base}.Configs`,
    (r) => r.ConfigName,
    (r) => r.ConfigID,
  );
  const out = [...secrets, ...configs];
  const credConfig = credentialSpec(c)?.Config;
  if (credConfig && !(c.Configs ?? []).some((r) => r?.Runtime && r.ConfigID === credConfig)) {
    const msg = `CredentialSpec references config '${credConfig}', but that config isn't in config references with RuntimeTarget`;
    out.push(swarmkitProblem(`${base}.Privileges.CredentialSpec.Config`, msg));
  }
  return out;
}

function healthProblems(c: ContainerSpec, base: string): Problem[] {
  const hc = c.HealthCheck;
  if (!hc) return [];
  const out: Problem[] = [];
  const min = goDuration(MIN_HEALTH_NS);
  for (const name of ['Interval', 'Timeout', 'StartPeriod'] as const) {
    const v = hc[name];
    if (v != null && v !== 0 && v < MIN_HEALTH_NS) {
      out.push(
        swarmkitProblem(
          `${base}.HealthCheck.${name}`,
          `ContainerSpec: ${name} in HealthConfig cannot be less than ${min}`,
        ),
      );
    }
  }
  if ((hc.Retries ?? 0) < 0) {
    out.push(
      swarmkitProblem(
        `${base}.HealthCheck.Retries`,
        'ContainerSpec: Retries in HealthConfig cannot be negative',
      ),
    );
  }
  return out;
}

/** swarmkit's validateContainerSpec: image, duplicate mount points, health check. */
export function containerSwarmkitProblems(c: ContainerSpec, base: string): Problem[] {
  const out: Problem[] = [];
  const image = c.Image ?? '';
  if (image === '')
    out.push(swarmkitProblem(`${base}.Image`, 'ContainerSpec: image reference must be provided'));
  else if (!isValidImageReference(image)) {
    out.push(
      swarmkitProblem(`${base}.Image`, `ContainerSpec: ${goQuote(image)} is not a valid repository/tag`),
    );
  }
  const targets = new Set<string>();
  for (const [i, m] of (c.Mounts ?? []).entries()) {
    const target = m?.Target ?? '';
    if (targets.has(target)) {
      out.push(
        swarmkitProblem(`${base}.Mounts.${i}.Target`, `ContainerSpec: duplicate mount point: ${target}`),
      );
    }
    targets.add(target);
  }
  return [...out, ...healthProblems(c, base)];
}

/** Rules Docker does not apply at create time but Shoal does (see validation.md). */
export function containerShoalProblems(c: ContainerSpec, base: string): Problem[] {
  const out: Problem[] = [];
  if ((c.StopGracePeriod ?? 0) < 0) {
    out.push(shoalProblem(`${base}.StopGracePeriod`, 'ContainerSpec: stop-grace-period cannot be negative'));
  }
  const si = c.HealthCheck?.StartInterval;
  if (si != null && si !== 0 && si < MIN_HEALTH_NS) {
    const msg = `ContainerSpec: StartInterval in HealthConfig cannot be less than ${goDuration(MIN_HEALTH_NS)}`;
    out.push(shoalProblem(`${base}.HealthCheck.StartInterval`, msg));
  }
  return out;
}
