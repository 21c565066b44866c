/** `shoal network create|ls|inspect|rm`, as `docker network` for swarm-scoped networks. */
import type { Command } from 'commander';
import { renderListing } from '../format/listing.ts';
import { act, forEach, group, leaf } from '../kit.ts';
import { collect } from '../options.ts';
import { networkListing } from '../printers/blobs.ts';
import { parseFilters } from './filters.ts';
import { inspectAll } from './inspect.ts';

function kvs(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((l) => {
      const i = l.indexOf('=');
      return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

function create(): Command {
  return leaf('create', 'Create a network')
    .argument('<network>')
    .option('-d, --driver <string>', 'Driver to manage the Network', 'overlay')
    .option('--attachable', 'Enable manual container attachment', false)
    .option('--internal', 'Restrict external access to the network', false)
    .option('--ipv6', 'Enable or disable IPv6 address assignment', false)
    .option('--ingress', 'Create swarm routing-mesh network', false)
    .option('--scope <string>', "Control the network's scope")
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--label <list>', 'Set metadata on a network', collect)
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect)
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', collect)
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect)
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect)
    .action(
      act(async (ctx, [name], o) => {
        const subnets: string[] = o.subnet ?? [];
        const config = subnets.map((s, i) => ({
          Subnet: s,
          ...(o.ipRange?.[i] ? { IPRange: o.ipRange[i] } : {}),
          ...(o.gateway?.[i] ? { Gateway: o.gateway[i] } : {}),
        }));
        const r = await ctx.api.networkCreate({
          Name: name,
          Driver: o.driver,
          Scope: o.scope ?? 'swarm',
          EnableIPv6: o.ipv6,
          IPAM: { Driver: o.ipamDriver, Config: config, Options: kvs(o.ipamOpt) },
          Internal: o.internal,
          Attachable: o.attachable,
          Ingress: o.ingress,
          Options: kvs(o.opt),
          Labels: kvs(o.label),
        });
        ctx.out(`${r.Id}\n`);
      }),
    );
}

function ls(): Command {
  return leaf('ls', 'List networks')
    .alias('list')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=overlay")', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs', false)
    .action(
      act(async (ctx, _a, o) => {
        const nets = await ctx.api.networks(parseFilters(o.filter));
        ctx.out(renderListing(networkListing(nets, o.trunc !== false), o));
      }),
    );
}

function inspect(): Command {
  return leaf('inspect', 'Display detailed information on one or more networks')
    .argument('<network...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-v, --verbose', 'Verbose output for diagnostics', false)
    .action(
      act(async (ctx, refs, o) =>
        inspectAll(ctx, 'network', refs, (r) => ctx.api.network(r), { format: o.format }),
      ),
    );
}

function rm(): Command {
  return leaf('rm', 'Remove one or more networks')
    .alias('remove')
    .argument('<network...>')
    .option('-f, --force', 'Do not error if the network does not exist', false)
    .action(
      act(async (ctx, refs) =>
        forEach(ctx, refs, async (ref) => {
          await ctx.api.networkRemove(ref);
          ctx.out(`${ref}\n`);
        }),
      ),
    );
}

export function networkCommand(): Command {
  return group('network', 'Manage networks')
    .addCommand(create())
    .addCommand(ls())
    .addCommand(inspect())
    .addCommand(rm());
}
