/** `-f key=value` flags, collected into the Engine's filters (repeated keys add values). */
import type { Filters } from '../client/api.ts';
import { CliError } from '../client/errors.ts';

export function parseFilters(list: readonly string[] | undefined): Filters {
  const out: Filters = {};
  for (const f of list ?? []) {
    const i = f.indexOf('=');
    if (i < 0) throw new CliError(`bad format of filter (expected name=value)`);
    const k = f.slice(0, i).trim().toLowerCase();
    out[k] = [...(out[k] ?? []), f.slice(i + 1).trim()];
  }
  return out;
}
