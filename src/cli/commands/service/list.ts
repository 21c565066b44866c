/** `shoal service ls|ps|inspect|rm`. */
import type { Command } from 'commander';
import type { Task } from '../../../api/index.ts';
import type { EngineService } from '../../client/api.ts';
import { CliError } from '../../client/errors.ts';
import { renderListing } from '../../format/listing.ts';
import { act, forEach, leaf } from '../../kit.ts';
import { collect } from '../../options.ts';
import { servicePretty } from '../../printers/service-pretty.ts';
import { serviceListing } from '../../printers/services.ts';
import { taskListing } from '../../printers/tasks.ts';
import { parseFilters } from '../filters.ts';
import { inspectAll } from '../inspect.ts';

export function lsCommand(): Command {
  return leaf('ls', 'List services')
    .alias('list')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display IDs', false)
    .action(
      act(async (ctx, _a, o) => {
        ctx.out(renderListing(serviceListing(await ctx.api.services(parseFilters(o.filter))), o));
      }),
    );
}

export function psCommand(): Command {
  return leaf('ps', 'List the tasks of one or more services')
    .argument('<service...>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Pretty-print tasks using a Go template')
    .option('--no-resolve', 'Do not map IDs to Names')
    .option('--no-trunc', 'Do not truncate output')
    .option('-q, --quiet', 'Only display task IDs', false)
    .action(
      act(async (ctx, refs, o) => {
        const services: EngineService[] = [];
        const missing: string[] = [];
        for (const ref of refs) {
          try {
            services.push(await ctx.api.service(ref));
          } catch {
            missing.push(ref);
          }
        }
        if (missing.length > 0) {
          throw new CliError(`no such service: ${missing.join(', ')}`);
        }
        const filters = parseFilters(o.filter);
        const tasks: Task[] = [];
        for (const s of services) tasks.push(...(await ctx.api.tasks({ ...filters, service: [s.ID] })));
        const nodes = await ctx.api.nodes();
        const names = {
          nodes: new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID])),
          services: new Map(services.map((s) => [s.ID, s.Spec.Name])),
        };
        const listing = taskListing(tasks, names, {
          trunc: o.trunc !== false,
          now: ctx.now(),
          resolve: o.resolve !== false,
        });
        ctx.out(renderListing(listing, o));
      }),
    );
}

export function inspectCommand(): Command {
  return leaf('inspect', 'Display detailed information on one or more services')
    .argument('<service...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('--pretty', 'Print the information in a human friendly format', false)
    .action(
      act(async (ctx, refs, o) =>
        inspectAll(ctx, 'service', refs, (r) => ctx.api.service(r, true), {
          format: o.format,
          wordNotFound: true,
          ...(o.pretty && {
            pretty: async (found: EngineService[]) => {
              const names = new Map<string, string>();
              for (const s of found) {
                for (const n of s.Spec.TaskTemplate.Networks ?? s.Spec.Networks ?? []) {
                  try {
                    const net = await ctx.api.network(n.Target);
                    names.set(n.Target, net.Name);
                  } catch {
                    // shown by id
                  }
                }
              }
              return found.map((s) => servicePretty(s, names, ctx.now())).join('');
            },
          }),
        }),
      ),
    );
}

export function rmCommand(): Command {
  return leaf('rm', 'Remove one or more services')
    .alias('remove')
    .argument('<service...>')
    .action(
      act(async (ctx, refs) =>
        forEach(ctx, refs, async (ref) => {
          await ctx.api.serviceRemove(ref);
          ctx.out(`${ref}\n`);
        }),
      ),
    );
}
