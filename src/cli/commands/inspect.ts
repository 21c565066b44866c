/**
 * The shared shape of `inspect`: fetch each reference, print what was found (JSON array,
 * template per object, or a pretty printer), then fail with Docker's
 * daemon's error (services: Docker's "Error: no such service: <ref>").
 */
import { CliError, DaemonError } from '../client/errors.ts';
import { renderInspect } from '../format/listing.ts';
import type { Ctx } from '../kit.ts';

export async function inspectAll<T>(
  ctx: Ctx,
  kind: string,
  refs: readonly string[],
  get: (ref: string) => Promise<T>,
  o: { format?: string; pretty?: (found: T[]) => Promise<string> | string; wordNotFound?: boolean },
): Promise<void> {
  const found: T[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await get(ref));
    } catch (e) {
      if (o.wordNotFound && e instanceof DaemonError && e.status === 404)
        errors.push(`Error: no such ${kind}: ${ref}`);
      else if (e instanceof CliError) errors.push(e.text);
      else throw e;
    }
  }
  if (o.pretty) {
    if (found.length > 0) ctx.out(await o.pretty(found));
  } else ctx.out(renderInspect(found, o.format));
  if (errors.length > 0) throw new CliError(errors.join('\n'));
}
