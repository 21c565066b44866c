/**
 * The `shoal` command. One file per subcommand under src/cli/commands/; this file only
 * assembles them. Errors are printed in Docker's words on stderr with a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { errorText } from './client/errors.ts';
import { blobCommand } from './commands/blobs.ts';
import { daemonCommand } from './commands/daemon.ts';
import { demoCommand } from './commands/demo.ts';
import { eventsCommand } from './commands/events.ts';
import { infoCommand } from './commands/info.ts';
import { networkCommand } from './commands/network.ts';
import { nodeCommand } from './commands/node.ts';
import { serviceCommand } from './commands/service/index.ts';
import { stackCommand } from './commands/stack.ts';
import { swarmCommand } from './commands/swarm.ts';
import { versionCommand } from './commands/version.ts';
import { takeLeadingHost } from './global-host.ts';
import { SHOAL_VERSION } from './version.ts';

const program = new Command('shoal')
  .description("Shoal: Docker's swarm mode, rebuilt in TypeScript")
  .version(SHOAL_VERSION, '-v, --version', 'print version information and quit')
  .enablePositionalOptions()
  .showHelpAfterError()
  .exitOverride();

program.addCommand(versionCommand());
program.addCommand(infoCommand());
program.addCommand(daemonCommand());
program.addCommand(demoCommand());
program.addCommand(swarmCommand());
program.addCommand(nodeCommand());
program.addCommand(serviceCommand());
program.addCommand(networkCommand());
program.addCommand(blobCommand('secret'));
program.addCommand(blobCommand('config'));
program.addCommand(stackCommand());
program.addCommand(eventsCommand());

// Subcommands inherit exitOverride only when added after it is set: set it on every one.
const override = (c: Command): void => {
  c.exitOverride();
  for (const sub of c.commands) override(sub);
};
override(program);

try {
  await program.parseAsync(takeLeadingHost(process.argv, process.env));
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const text = errorText(e);
  if (text !== '') console.error(text);
  process.exit((e as { exitCode?: number }).exitCode ?? 1);
}
