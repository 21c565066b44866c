/** `shoal info`: the daemon's system information with its Swarm section, as `docker info` shows it. */
import type { Command } from 'commander';
import { renderInspect } from '../format/listing.ts';
import { formatBytes } from '../format/units.ts';
import { act, leaf } from '../kit.ts';

export function infoCommand(): Command {
  return leaf('info', 'Display system-wide information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action(
      act(async (ctx, _a, o) => {
        const info = await ctx.api.info();
        if (o.format) {
          ctx.out(renderInspect([info], o.format === 'json' ? 'json' : o.format));
          return;
        }
        const s = info.Swarm;
        const lines = [
          'Server:',
          ` Server Version: ${info.ServerVersion ?? ''}`,
          ` Swarm: ${s.LocalNodeState}`,
        ];
        if (s.LocalNodeState !== 'inactive' && s.LocalNodeState !== 'locked') {
          lines.push(`  NodeID: ${s.NodeID}`);
          if (s.Error) lines.push(`  Error: ${s.Error}`);
          lines.push(`  Is Manager: ${s.ControlAvailable}`);
          if (s.ControlAvailable && s.Cluster) {
            lines.push(
              `  ClusterID: ${s.Cluster.ID}`,
              `  Managers: ${s.Managers ?? 0}`,
              `  Nodes: ${s.Nodes ?? 0}`,
            );
            const o2 = s.Cluster.Spec.Orchestration;
            lines.push(
              '  Orchestration:',
              `   Task History Retention Limit: ${o2?.TaskHistoryRetentionLimit ?? 0}`,
            );
            lines.push(`  Autolock Managers: ${s.Cluster.Spec.EncryptionConfig?.AutoLockManagers ?? false}`);
          }
          lines.push(`  Node Address: ${s.NodeAddr}`);
          if (s.RemoteManagers?.length) {
            lines.push('  Manager Addresses:', ...s.RemoteManagers.map((m) => `   ${m.Addr}`).sort());
          }
        }
        lines.push(
          ` Kernel Version: ${info.KernelVersion ?? ''}`,
          ` Operating System: ${info.OperatingSystem ?? ''}`,
          ` OSType: ${info.OSType ?? ''}`,
          ` Architecture: ${info.Architecture ?? ''}`,
          ` CPUs: ${info.NCPU ?? 0}`,
          ` Total Memory: ${formatBytes(info.MemTotal ?? 0)}`,
          ` Name: ${info.Name ?? ''}`,
          ` ID: ${info.ID ?? ''}`,
          ` Docker Root Dir: ${info.DockerRootDir ?? ''}`,
        );
        ctx.out(`${lines.join('\n')}\n`);
        for (const w of info.Warnings ?? []) ctx.err(`${w}\n`);
      }),
    );
}
