/**
 * Mount rules Docker applies when a task starts, not when the service is created (moby
 * daemon/cluster/executor/container/validate.go): a task whose mounts break them is
 * rejected with this text. Exported for the executor, so Shoal rejects the same tasks;
 * service creation accepts such mounts, as Docker does.
 * On Linux an absolute path starts with "/".
 */
import type { Mount } from '../task-spec.ts';
import { engineProblem, type Problem } from './problem.ts';

const isAbs = (p: string | undefined): boolean => (p ?? '').startsWith('/');

function one(m: Mount, field: string): Problem | undefined {
  const type = (m.Type || 'bind').toLowerCase();
  const target = m.Target ?? '';
  const source = m.Source ?? '';
  if (!isAbs(target) && type !== 'npipe') {
    return engineProblem(`${field}.Target`, `invalid mount target, must be an absolute path: ${target}`);
  }
  switch (type) {
    case 'bind':
      return isAbs(source)
        ? undefined
        : engineProblem(`${field}.Source`, `invalid bind mount source, must be an absolute path: ${source}`);
    case 'volume':
      return isAbs(source)
        ? engineProblem(
            `${field}.Source`,
            `invalid volume mount source, must not be an absolute path: ${source}`,
          )
        : undefined;
    case 'tmpfs':
      return source === ''
        ? undefined
        : engineProblem(`${field}.Source`, 'invalid tmpfs source, source must be empty');
    case 'npipe':
      return source === ''
        ? engineProblem(`${field}.Source`, 'invalid npipe source, source must not be empty')
        : undefined;
    case 'cluster':
      return undefined;
    default:
      return engineProblem(`${field}.Type`, `invalid mount type: ${type}`);
  }
}

/** The first failing rule of each mount, in order; [] when the task may start. */
export function mountProblemsAtStart(mounts: readonly Mount[], base = 'Mounts'): Problem[] {
  const out: Problem[] = [];
  for (const [i, m] of mounts.entries()) {
    const p = one(m, `${base}.${i}`);
    if (p) out.push(p);
  }
  return out;
}
