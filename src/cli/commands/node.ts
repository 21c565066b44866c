/** `shoal node ls|inspect|promote|demote|update|rm|ps`, as `docker node`. */
import { type Command, Option } from 'commander';
import type { Node, NodeSpec } from '../../api/index.ts';
import type { ShoalClient } from '../client/api.ts';
import { renderListing } from '../format/listing.ts';
import { act, type Ctx, forEach, group, leaf } from '../kit.ts';
import { collect } from '../options.ts';
import { nodePretty } from '../printers/node-pretty.ts';
import { nodeListing } from '../printers/nodes.ts';
import { taskListing } from '../printers/tasks.ts';
import { parseFilters } from './filters.ts';
import { inspectAll } from './inspect.ts';

async function selfId(api: ShoalClient): Promise<string> {
  return (await api.info()).Swarm.NodeID;
}

async function resolveNode(api: ShoalClient, ref: string): Promise<Node> {
  return api.node(ref === 'self' ? await selfId(api) : ref);
}

function ls(): Command {
  return leaf('ls', 'List nodes in the swarm')
    .alias('list')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-q, --quiet', 'Only display IDs', false)
    .action(
      act(async (ctx, _a, o) => {
        const nodes = await ctx.api.nodes(parseFilters(o.filter));
        const self = await selfId(ctx.api);
        ctx.out(renderListing(nodeListing(nodes, self), o));
      }),
    );
}

function inspect(): Command {
  return leaf('inspect', 'Display detailed information on one or more nodes')
    .argument('<self|NODE...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('--pretty', 'Print the information in a human friendly format', false)
    .action(
      act(async (ctx, refs, o) =>
        inspectAll(ctx, 'node', refs, (r) => resolveNode(ctx.api, r), {
          format: o.format,
          ...(o.pretty && { pretty: (found: Node[]) => found.map(nodePretty).join('\n') }),
        }),
      ),
    );
}

async function updateNode(ctx: Ctx, ref: string, change: (s: NodeSpec) => void): Promise<Node> {
  const n = await resolveNode(ctx.api, ref);
  const spec = structuredClone(n.Spec);
  change(spec);
  await ctx.api.nodeUpdate(n.ID, n.Version.Index, spec);
  return n;
}

function roleChange(name: 'promote' | 'demote'): Command {
  const role = name === 'promote' ? 'manager' : 'worker';
  return leaf(
    name,
    name === 'promote'
      ? 'Promote one or more nodes to manager in the swarm'
      : 'Demote one or more nodes from manager in the swarm',
  )
    .argument('<NODE...>')
    .action(
      act(async (ctx, refs) =>
        forEach(ctx, refs, async (ref) => {
          const n = await resolveNode(ctx.api, ref);
          if (n.Spec.Role === role) {
            ctx.out(`Node ${n.ID} is already a ${role}.\n`);
            return;
          }
          await ctx.api.nodeUpdate(n.ID, n.Version.Index, { ...n.Spec, Role: role });
          ctx.out(
            name === 'promote'
              ? `Node ${ref} promoted to a manager in the swarm.\n`
              : `Manager ${ref} demoted in the swarm.\n`,
          );
        }),
      ),
    );
}

function update(): Command {
  return leaf('update', 'Update a node')
    .argument('<NODE>')
    .addOption(
      new Option('--availability <string>', 'Availability of the node').choices(['active', 'pause', 'drain']),
    )
    .addOption(new Option('--role <string>', 'Role of the node').choices(['worker', 'manager']))
    .option('--label-add <list>', 'Add or update a node label (key=value)', collect)
    .option('--label-rm <list>', 'Remove a node label if exists', collect)
    .action(
      act(async (ctx, [ref], o) => {
        await updateNode(ctx, ref as string, (s) => {
          if (o.availability) s.Availability = o.availability;
          if (o.role) s.Role = o.role;
          const labels = { ...(s.Labels ?? {}) };
          for (const k of o.labelRm ?? []) delete labels[k];
          for (const l of o.labelAdd ?? []) {
            const i = l.indexOf('=');
            labels[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
          }
          s.Labels = labels;
        });
        ctx.out(`${ref}\n`);
      }),
    );
}

function rm(): Command {
  return leaf('rm', 'Remove one or more nodes from the swarm')
    .alias('remove')
    .argument('<NODE...>')
    .option('-f, --force', 'Force remove a node from the swarm', false)
    .action(
      act(async (ctx, refs, o) =>
        forEach(ctx, refs, async (ref) => {
          await ctx.api.nodeRemove(ref, o.force);
          ctx.out(`${ref}\n`);
        }),
      ),
    );
}

function ps(): Command {
  return leaf('ps', 'List tasks running on one or more nodes, defaults to current node')
    .argument('[NODE...]')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Pretty-print tasks using a Go template')
    .option('--no-resolve', 'Do not map IDs to Names')
    .option('--no-trunc', 'Do not truncate output')
    .option('-q, --quiet', 'Only display task IDs', false)
    .action(
      act(async (ctx, refs, o) => {
        const nodes = await ctx.api.nodes();
        const services = await ctx.api.services(undefined, false);
        const names = {
          nodes: new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID])),
          services: new Map(services.map((s) => [s.ID, s.Spec.Name])),
        };
        const tasks = [];
        for (const ref of refs.length > 0 ? refs : ['self']) {
          const n = await resolveNode(ctx.api, ref);
          tasks.push(...(await ctx.api.tasks({ ...parseFilters(o.filter), node: [n.ID] })));
        }
        const listing = taskListing(tasks, names, {
          trunc: o.trunc !== false,
          now: ctx.now(),
          resolve: o.resolve !== false,
        });
        ctx.out(renderListing(listing, o));
      }),
    );
}

export function nodeCommand(): Command {
  return group('node', 'Manage Swarm nodes')
    .addCommand(ls())
    .addCommand(inspect())
    .addCommand(roleChange('promote'))
    .addCommand(roleChange('demote'))
    .addCommand(update())
    .addCommand(rm())
    .addCommand(ps());
}
