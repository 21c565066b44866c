/**
 * `shoal service update [OPTIONS] SERVICE` and `shoal service rollback SERVICE`: read the
 * service, change its spec (or ask the daemon for the previous one), send it with the
 * version read, print the name, then the progress unless -d.
 */
import type { Command } from 'commander';
import { act, type Ctx, leaf } from '../../kit.ts';
import { realConvergeIo, waitForConvergence } from '../../service/converge.ts';
import { type ServiceFlags, updateFlags } from '../../service/flags.ts';
import { networkIds, resolveReferences } from '../../service/references.ts';
import { updateSpec } from '../../service/spec.ts';
import { specError } from './errors.ts';

async function rollback(ctx: Ctx, ref: string, o: ServiceFlags): Promise<void> {
  const svc = await ctx.api.service(ref);
  const r = await ctx.api.serviceUpdate(svc.ID, svc.Version.Index, svc.Spec, 'previous');
  for (const w of r.Warnings ?? []) ctx.err(`${w}\n`);
  ctx.out(`${ref}\n`);
  if (o.detach || o.quiet) return;
  await waitForConvergence(ctx.api, svc.ID, realConvergeIo(ctx.out, ctx.tty));
}

export function updateCommand(): Command {
  return updateFlags(leaf('update', 'Update a service'))
    .argument('<service>')
    .action(
      act(async (ctx, [ref], o: ServiceFlags) => {
        if (o.rollback) return rollback(ctx, ref as string, o);
        const svc = await ctx.api.service(ref as string);
        const flags = { ...o, ...(o.networkRm && { networkRm: await networkIds(ctx.api, o.networkRm) }) };
        const spec = await resolveReferences(
          ctx.api,
          specError(() => updateSpec(svc.Spec, flags, ctx.env)),
        );
        const r = await ctx.api.serviceUpdate(svc.ID, svc.Version.Index, spec);
        for (const w of r.Warnings ?? []) ctx.err(`${w}\n`);
        ctx.out(`${ref}\n`);
        if (o.detach || o.quiet) return;
        await waitForConvergence(ctx.api, svc.ID, realConvergeIo(ctx.out, ctx.tty));
      }),
    );
}

export function rollbackCommand(): Command {
  return leaf('rollback', "Revert changes to a service's configuration")
    .argument('<service>')
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge', false)
    .option('-q, --quiet', 'Suppress progress output', false)
    .action(act(async (ctx, [ref], o) => rollback(ctx, ref as string, o)));
}
