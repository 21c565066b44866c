/**
 * `shoal secret|config create|ls|inspect|rm`, as `docker secret` and `docker config`:
 * create reads the data from a file or from stdin (`-`) and prints the new id.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { ShoalClient } from '../client/api.ts';
import { CliError } from '../client/errors.ts';
import { renderListing } from '../format/listing.ts';
import { act, type Ctx, forEach, group, leaf } from '../kit.ts';
import { collect } from '../options.ts';
import { configListing, secretListing } from '../printers/blobs.ts';
import { parseFilters } from './filters.ts';
import { inspectAll } from './inspect.ts';

type Kind = 'secret' | 'config';

function calls(api: ShoalClient, kind: Kind) {
  return kind === 'secret'
    ? { list: api.secrets, get: api.secret, create: api.secretCreate, remove: api.secretRemove }
    : { list: api.configs, get: api.config, create: api.configCreate, remove: api.configRemove };
}

function labels(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

async function readData(ctx: Ctx, file: string | undefined, kind: Kind): Promise<Buffer> {
  if (file === undefined) throw new CliError(`"shoal ${kind} create" requires exactly 2 arguments.`);
  if (file === '-') {
    const data = await ctx.readStdin();
    if (data.length === 0) throw new CliError('error reading from STDIN: data is empty');
    return data;
  }
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliError(`error reading content from "${file}": ${(e as Error).message}`);
  }
}

function create(kind: Kind): Command {
  const cmd = leaf('create', `Create a ${kind} from a file or STDIN as content`)
    .argument('<name>')
    .argument('[file|-]')
    .option('-l, --label <list>', `${kind[0]?.toUpperCase()}${kind.slice(1)} labels`, collect)
    .option('--template-driver <string>', 'Template driver');
  if (kind === 'secret') cmd.addOption(new Option('-d, --driver <string>', 'Secret driver'));
  return cmd.action(
    act(async (ctx, [name, file], o) => {
      const spec: Record<string, unknown> = { Name: name, Labels: labels(o.label) };
      if (o.driver) spec.Driver = { Name: o.driver };
      else spec.Data = (await readData(ctx, file, kind)).toString('base64');
      if (o.templateDriver) spec.Templating = { Name: o.templateDriver };
      const { ID } = await calls(ctx.api, kind).create(spec);
      ctx.out(`${ID}\n`);
    }),
  );
}

function ls(kind: Kind): Command {
  return leaf('ls', `List ${kind}s`)
    .alias('list')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display IDs', false)
    .action(
      act(async (ctx, _a, o) => {
        const now = ctx.now();
        if (kind === 'secret')
          ctx.out(renderListing(secretListing(await ctx.api.secrets(parseFilters(o.filter)), now), o));
        else ctx.out(renderListing(configListing(await ctx.api.configs(parseFilters(o.filter)), now), o));
      }),
    );
}

function inspect(kind: Kind): Command {
  return leaf('inspect', `Display detailed information on one or more ${kind}s`)
    .argument(`<${kind}...>`)
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('--pretty', 'Print the information in a human friendly format', false)
    .action(
      act(async (ctx, refs, o) => {
        const c = calls(ctx.api, kind);
        await inspectAll(ctx, kind, refs, (r) => c.get(r), {
          format: o.format,
          ...(o.pretty && {
            pretty: (
              found: Array<{
                ID: string;
                Spec: {
                  Name: string;
                  Labels?: Record<string, string>;
                  Data?: string;
                  Driver?: { Name: string };
                };
                CreatedAt: string;
                UpdatedAt: string;
              }>,
            ) =>
              found
                .map((x) => {
                  const lines = [`ID:              ${x.ID}`, `Name:              ${x.Spec.Name}`];
                  const l = Object.entries(x.Spec.Labels ?? {});
                  if (l.length) lines.push('Labels:', ...l.map(([k, v]) => ` - ${k}=${v}`));
                  if (kind === 'secret') lines.push(`Driver:            ${x.Spec.Driver?.Name ?? ''}`);
                  lines.push(`Created at:        ${x.CreatedAt}`, `Updated at:        ${x.UpdatedAt}`);
                  if (kind === 'config')
                    lines.push('Data:', Buffer.from(x.Spec.Data ?? '', 'base64').toString('utf8'));
                  return `${lines.join('\n')}\n`;
                })
                .join('\n'),
          }),
        });
      }),
    );
}

function rm(kind: Kind): Command {
  return leaf('rm', `Remove one or more ${kind}s`)
    .alias('remove')
    .argument(`<${kind}...>`)
    .action(
      act(async (ctx, refs) =>
        forEach(ctx, refs, async (ref) => {
          await calls(ctx.api, kind).remove(ref);
          ctx.out(`${ref}\n`);
        }),
      ),
    );
}

export function blobCommand(kind: Kind): Command {
  return group(kind, kind === 'secret' ? 'Manage Swarm secrets' : 'Manage Swarm configs')
    .addCommand(create(kind))
    .addCommand(ls(kind))
    .addCommand(inspect(kind))
    .addCommand(rm(kind));
}
