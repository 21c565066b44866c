/**
 * Interpolation over a whole parsed compose file: every string is expanded (template.ts),
 * then values at the paths Docker knows to be numbers or booleans are cast, so that
 * `replicas: ${N}` validates as an integer. Errors carry Docker's wording and the path
 * (`services.web.image`, list items as `[]`).
 */
import { type Lookup, substitute, TemplateError } from './template.ts';
import { ComposeError } from './types.ts';

type Cast = (s: string) => unknown;

const toInt: Cast = (s) => {
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number.parseInt(s, 10);
};
const toFloat: Cast = (s) => {
  const n = Number(s);
  if (s.trim() === '' || Number.isNaN(n)) {
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(s)}: invalid syntax`);
  }
  return n;
};
const toBool: Cast = (s) => {
  const v = s.toLowerCase();
  if (['y', 'yes', 'true', 'on'].includes(v)) return true;
  if (['n', 'no', 'false', 'off'].includes(v)) return false;
  throw new Error(`invalid boolean: ${s}`);
};

const S = 'services.*.';
const CASTS: Array<[string[], Cast]> = (
  [
    [`${S}configs.[].mode`, toInt],
    [`${S}secrets.[].mode`, toInt],
    [`${S}healthcheck.retries`, toInt],
    [`${S}healthcheck.disable`, toBool],
    [`${S}deploy.replicas`, toInt],
    [`${S}deploy.update_config.parallelism`, toInt],
    [`${S}deploy.update_config.max_failure_ratio`, toFloat],
    [`${S}deploy.rollback_config.parallelism`, toInt],
    [`${S}deploy.rollback_config.max_failure_ratio`, toFloat],
    [`${S}deploy.restart_policy.max_attempts`, toInt],
    [`${S}deploy.placement.max_replicas_per_node`, toInt],
    [`${S}deploy.resources.limits.pids`, toInt],
    [`${S}ports.[].target`, toInt],
    [`${S}ports.[].published`, toInt],
    [`${S}ulimits.*`, toInt],
    [`${S}ulimits.*.hard`, toInt],
    [`${S}ulimits.*.soft`, toInt],
    [`${S}oom_score_adj`, toInt],
    [`${S}privileged`, toBool],
    [`${S}read_only`, toBool],
    [`${S}init`, toBool],
    [`${S}stdin_open`, toBool],
    [`${S}tty`, toBool],
    [`${S}volumes.[].read_only`, toBool],
    [`${S}volumes.[].volume.nocopy`, toBool],
    [`${S}volumes.[].tmpfs.size`, toInt],
    ['networks.*.external', toBool],
    ['networks.*.internal', toBool],
    ['networks.*.attachable', toBool],
    ['volumes.*.external', toBool],
    ['secrets.*.external', toBool],
    ['configs.*.external', toBool],
  ] as const
).map(([p, c]) => [p.split('.'), c]);

function castFor(path: string[]): Cast | undefined {
  for (const [pattern, cast] of CASTS) {
    if (pattern.length === path.length && pattern.every((p, i) => p === '*' || p === path[i])) return cast;
  }
  return undefined;
}

function walk(value: unknown, path: string[], lookup: Lookup): unknown {
  if (typeof value === 'string') {
    let expanded: string;
    try {
      expanded = substitute(value, lookup);
    } catch (e) {
      if (e instanceof TemplateError) {
        throw new ComposeError(
          `invalid interpolation format for ${path.join('.')}: ${JSON.stringify(e.detail)}; you may need to escape any $ with another $`,
        );
      }
      throw e;
    }
    if (expanded === value) return value;
    const cast = castFor(path);
    if (cast === undefined) return expanded;
    try {
      return cast(expanded);
    } catch (e) {
      throw new ComposeError(
        `error while interpolating ${path.join('.')}: failed to cast to expected type: ${(e as Error).message}`,
      );
    }
  }
  if (Array.isArray(value)) return value.map((v) => walk(v, [...path, '[]'], lookup));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k], lookup);
    return out;
  }
  return value;
}

/** A fresh, interpolated copy of a parsed compose document. */
export function interpolate(doc: Record<string, unknown>, lookup: Lookup): Record<string, unknown> {
  return walk(doc, [], lookup) as Record<string, unknown>;
}
