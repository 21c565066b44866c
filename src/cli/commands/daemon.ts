/**
 * `shoal daemon`: runs one node (see src/daemon/daemon.ts). Logs are JSON lines (pino) on
 * stderr; SIGTERM and SIGINT stop it gracefully (a leader hands leadership over first).
 */
import { Command, Option } from 'commander';
import type { DaemonFlags } from './daemon-run.ts';

export function daemonCommand(): Command {
  return new Command('daemon')
    .description('Run a Shoal node (manager and/or worker)')
    .requiredOption('--data-dir <dir>', 'directory for the node identity, keys, certificates and Raft state')
    .option('--listen-addr <addr>', 'cluster address to listen on (host:port)', '0.0.0.0:2377')
    .option('--advertise-addr <addr>', 'address other nodes reach this node at')
    .option('-H, --host <endpoint...>', 'API endpoints: unix:///path or tcp://host:port')
    .addOption(
      new Option('--executor <kind>', 'how tasks run').choices(['fake', 'process', 'docker']).default('fake'),
    )
    .option('--node-name <name>', 'host name the node reports', undefined)
    .option(
      '--docker-host <endpoint>',
      'Docker Engine for --executor docker (unix:///path or tcp://host:port; default DOCKER_HOST, else /var/run/docker.sock)',
    )
    .option(
      '--docker-network <name>',
      "Docker network the task containers of --executor docker join (default: the engine's default bridge)",
    )
    .addOption(
      new Option(
        '--mesh <mode>',
        'routing mesh data path (auto: nftables when root with nft, else user space)',
      )
        .choices(['userspace', 'nft', 'auto', 'off'])
        .default('userspace'),
    )
    .option('--mesh-addr <addr...>', 'addresses the routing mesh listens on (default: every address)')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(async (o: DaemonFlags) => {
      const { runDaemon } = await import('./daemon-run.ts');
      await runDaemon(o);
    });
}
