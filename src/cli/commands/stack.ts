/**
 * `shoal stack deploy|ls|services|ps|rm`, as `docker stack` (swarm orchestrator): compose
 * files loaded, validated and converted by src/compose/, applied through the Engine API.
 * `deploy` returns at once, as Docker's default `--detach`; with `--detach=false` it
 * waits for every service to converge, showing each one's progress.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Service as EngineService } from '../../api/service.ts';
import type { Task } from '../../api/task.ts';
import {
  deployStack,
  HttpStackClient,
  LABEL_NAMESPACE,
  listStacks,
  loadStack,
  nothingFound,
  type ResolveImage,
  removeStack,
} from '../../compose/index.ts';
import { CliError } from '../client/errors.ts';
import { chooseHost, parseHost } from '../client/host.ts';
import { renderListing } from '../format/listing.ts';
import { act, type Ctx, group, leaf } from '../kit.ts';
import { collect } from '../options.ts';
import { serviceListing } from '../printers/services.ts';
import { taskListing } from '../printers/tasks.ts';
import { realConvergeIo, waitForConvergence } from '../service/converge.ts';
import { parseFilters } from './filters.ts';

function stackClient(hostFlag: string | undefined): HttpStackClient {
  const ep = parseHost(chooseHost(hostFlag, process.env));
  return ep.kind === 'unix'
    ? new HttpStackClient({ socketPath: ep.socketPath })
    : new HttpStackClient({ host: ep.host, port: ep.port });
}

const namespace = (stack: string): string => `${LABEL_NAMESPACE}=${stack}`;

async function stackServiceList(ctx: Ctx, stack: string, filter?: string[]): Promise<EngineService[]> {
  const f = parseFilters(filter) ?? {};
  return ctx.api.services({ ...f, label: [...(f.label ?? []), namespace(stack)] });
}

function deploy(): Command {
  return leaf('deploy', 'Deploy a new stack or update an existing stack')
    .alias('up')
    .argument('<stack>')
    .requiredOption(
      '-c, --compose-file <strings>',
      'Path to a Compose file, or "-" to read from stdin',
      collect,
    )
    .option('--prune', 'Prune services that are no longer referenced', false)
    .addOption(
      new Option(
        '--resolve-image <string>',
        'Query the registry to resolve image digest and supported platforms',
      )
        .choices(['always', 'changed', 'never'])
        .default('always'),
    )
    .option('--with-registry-auth', 'Send registry authentication details to Swarm agents', false)
    .option(
      '-d, --detach [bool]',
      'Exit immediately instead of waiting for the stack services to converge',
      'true',
    )
    .option('-q, --quiet', 'Suppress progress output', false)
    .action(
      act(async (ctx, [stack], o) => {
        const files: string[] = o.composeFile;
        const stdin = files.includes('-') ? (await ctx.readStdin()).toString('utf8') : undefined;
        const loaded = loadStack({
          files,
          env: process.env,
          ...(stdin !== undefined && { stdin }),
          readFile: (p) => readFileSync(p, 'utf8'),
        });
        for (const w of loaded.warnings) ctx.err(w);
        const result = await deployStack(stackClient(o.host), stack as string, loaded.config, {
          prune: o.prune,
          resolveImage: o.resolveImage as ResolveImage,
          out: (l) => ctx.out(`${l}\n`),
          err: (l) => ctx.err(`${l}\n`),
        });
        if (String(o.detach) !== 'false') return;
        for (const id of result.serviceIds) {
          if (!o.quiet) ctx.out(`${id}\n`);
          await waitForConvergence(
            ctx.api,
            id,
            realConvergeIo((s) => (o.quiet ? undefined : ctx.out(s)), ctx.tty),
          );
        }
      }),
    );
}

function ls(): Command {
  return leaf('ls', 'List stacks')
    .alias('list')
    .option('--format <string>', 'Format output using a custom template')
    .action(
      act(async (ctx, _a, o) => {
        const stacks = await listStacks(stackClient(o.host));
        ctx.out(
          renderListing(
            {
              columns: '{{.Name}}\t{{.Services}}',
              titles: { Name: 'NAME', Services: 'SERVICES' },
              rows: stacks.map((s) => ({ Name: s.Name, Services: String(s.Services) })),
              quiet: (r) => String(r.Name),
            },
            o,
          ),
        );
      }),
    );
}

function services(): Command {
  return leaf('services', 'List the services in the stack')
    .argument('<stack>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display IDs', false)
    .action(
      act(async (ctx, [stack], o) => {
        const list = await stackServiceList(ctx, stack as string, o.filter);
        if (list.length === 0 && !o.quiet) {
          ctx.err(`${nothingFound(stack as string)}\n`);
          return;
        }
        ctx.out(renderListing(serviceListing(list), o));
      }),
    );
}

function ps(): Command {
  return leaf('ps', 'List the tasks in the stack')
    .argument('<stack>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Pretty-print tasks using a Go template')
    .option('--no-resolve', 'Do not map IDs to Names')
    .option('--no-trunc', 'Do not truncate output')
    .option('-q, --quiet', 'Only display task IDs', false)
    .action(
      act(async (ctx, [stack], o) => {
        const list = await stackServiceList(ctx, stack as string);
        if (list.length === 0) throw new CliError(nothingFound(stack as string));
        const filters = parseFilters(o.filter) ?? {};
        const tasks: Task[] = [];
        for (const s of list) tasks.push(...(await ctx.api.tasks({ ...filters, service: [s.ID] })));
        const nodes = await ctx.api.nodes();
        const names = {
          nodes: new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID])),
          services: new Map(list.map((s) => [s.ID, s.Spec.Name])),
        };
        ctx.out(
          renderListing(
            taskListing(tasks, names, {
              trunc: o.trunc !== false,
              now: ctx.now(),
              resolve: o.resolve !== false,
            }),
            o,
          ),
        );
      }),
    );
}

function rm(): Command {
  return leaf('rm', 'Remove one or more stacks')
    .alias('remove')
    .alias('down')
    .argument('<stack...>')
    .action(
      act(async (ctx, stacks, o) => {
        const client = stackClient(o.host);
        for (const stack of stacks) {
          await removeStack(client, stack, { out: (l) => ctx.out(`${l}\n`), err: (l) => ctx.err(`${l}\n`) });
        }
      }),
    );
}

export function stackCommand(): Command {
  return group('stack', 'Manage Swarm stacks')
    .addCommand(deploy())
    .addCommand(ls())
    .addCommand(services())
    .addCommand(ps())
    .addCommand(rm());
}
