/** `shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]`: prints the id, then the progress unless -d. */
import type { Command } from 'commander';
import { act, leaf } from '../../kit.ts';
import { realConvergeIo, waitForConvergence } from '../../service/converge.ts';
import { createFlags } from '../../service/flags.ts';
import { resolveReferences } from '../../service/references.ts';
import { createSpec } from '../../service/spec.ts';
import { specError } from './errors.ts';

export function createCommand(): Command {
  return createFlags(leaf('create', 'Create a new service'))
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions()
    .action(
      act(async (ctx, [image, ...args], o) => {
        const spec = await resolveReferences(
          ctx.api,
          specError(() => createSpec(image as string, args, o, ctx.env)),
        );
        const r = await ctx.api.serviceCreate(spec);
        for (const w of r.Warnings ?? []) ctx.err(`${w}\n`);
        ctx.out(`${r.ID}\n`);
        if (o.detach || o.quiet) return;
        await waitForConvergence(ctx.api, r.ID, realConvergeIo(ctx.out, ctx.tty));
      }),
    );
}
