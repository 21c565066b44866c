/** `shoal service scale SERVICE=REPLICAS...`: "web scaled to 3", then the progress unless -d. */
import type { Command } from 'commander';
import { CliError, errorText } from '../../client/errors.ts';
import { act, leaf } from '../../kit.ts';
import { realConvergeIo, waitForConvergence } from '../../service/converge.ts';

export function scaleCommand(): Command {
  return leaf('scale', 'Scale one or multiple replicated services')
    .argument('<SERVICE=REPLICAS...>')
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge', false)
    .action(
      act(async (ctx, pairs, o) => {
        for (const p of pairs) {
          const m = /^([^=]+)=(.*)$/.exec(p);
          if (m === null) {
            throw new CliError(`invalid scale specifier '${p}'.\nSee 'shoal service scale --help'.`);
          }
          if (!/^\d+$/.test(m[2] ?? '')) {
            throw new CliError(
              `invalid replicas value ${m[2]}: strconv.ParseUint: parsing "${m[2]}": invalid syntax`,
            );
          }
        }
        const scaled: string[] = [];
        const errors: string[] = [];
        for (const p of pairs) {
          const [name, n] = p.split('=') as [string, string];
          try {
            const svc = await ctx.api.service(name);
            const mode = svc.Spec.Mode ?? {};
            const spec = structuredClone(svc.Spec);
            if (mode.Replicated) spec.Mode = { Replicated: { Replicas: Number(n) } };
            else if (mode.ReplicatedJob)
              spec.Mode = { ReplicatedJob: { ...mode.ReplicatedJob, TotalCompletions: Number(n) } };
            else throw new CliError(`scale can only be used with replicated or replicated-job mode`);
            await ctx.api.serviceUpdate(svc.ID, svc.Version.Index, spec);
            ctx.out(`${name} scaled to ${n}\n`);
            scaled.push(svc.ID);
          } catch (e) {
            errors.push(`${name}: ${e instanceof CliError ? e.text : errorText(e)}`);
          }
        }
        if (!o.detach) {
          for (const id of scaled) await waitForConvergence(ctx.api, id, realConvergeIo(ctx.out, ctx.tty));
        }
        if (errors.length > 0) throw new CliError(errors.join('\n'));
      }),
    );
}
