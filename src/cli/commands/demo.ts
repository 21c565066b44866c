/**
 * `shoal demo`: a local swarm of real daemons with a running service (src/demo/). With
 * `--raft`, the earlier consensus-only demo: three Raft members, a leader killed, failover.
 */
import { Command, Option } from 'commander';

export function demoCommand(): Command {
  return new Command('demo')
    .description('Start a local swarm (3 managers, 1 worker) running a service')
    .option('--dir <path>', 'data directory (default: a new temporary directory)')
    .option('--exit', 'stop the cluster once the service runs', false)
    .option('--replicas <n>', 'replicas of the demo service', '3')
    .addOption(
      new Option('--executor <kind>', 'how the daemons run tasks')
        .choices(['process', 'fake'])
        .default('process'),
    )
    .option('--raft', 'run the Raft-only demo instead (3 members, leader killed, failover)', false)
    .option('--keep', 'with --raft: keep the cluster running until Ctrl-C', false)
    .action(
      async (opts: {
        dir?: string;
        exit: boolean;
        replicas: string;
        executor: string;
        raft: boolean;
        keep: boolean;
      }) => {
        const out = (l: string) => console.log(l);
        if (opts.raft) {
          const { runDemo } = await import('../../raft/demo/demo.ts');
          await runDemo({ ...(opts.dir !== undefined && { dir: opts.dir }), keep: opts.keep, out });
          return;
        }
        const { runSwarmDemo } = await import('../../demo/swarm-demo.ts');
        await runSwarmDemo({
          ...(opts.dir !== undefined && { dir: opts.dir }),
          exit: opts.exit,
          replicas: Number(opts.replicas),
          executor: opts.executor,
          out,
        });
      },
    );
}
