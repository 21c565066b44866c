/**
 * `shoal demo`: a local three-manager Raft cluster in separate processes on 127.0.0.1,
 * with mutual TLS and fsynced logs: writes, a leader killed with SIGKILL, failover, and
 * the old leader catching up. Later issues replace it with a cluster running a service.
 */
import { Command } from 'commander';

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run a local 3-manager Raft cluster and show a failover')
    .option('--dir <path>', 'data directory (default: a new temporary directory)')
    .option('--keep', 'keep the cluster running until Ctrl-C', false)
    .action(async (opts: { dir?: string; keep: boolean }) => {
      const { runDemo } = await import('../../raft/demo/demo.ts');
      await runDemo({
        ...(opts.dir !== undefined && { dir: opts.dir }),
        keep: opts.keep,
        out: (l) => console.log(l),
      });
    });
}
