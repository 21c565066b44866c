/**
 * The `shoal` command. One file per subcommand under src/cli/commands/; this file only
 * assembles them. Errors are printed in Docker's words on stderr with a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { daemonCommand } from './commands/daemon.ts';
import { demoCommand } from './commands/demo.ts';
import { versionCommand } from './commands/version.ts';
import { SHOAL_VERSION } from './version.ts';

const program = new Command('shoal')
  .description("Shoal: Docker's swarm mode, rebuilt in TypeScript")
  .version(SHOAL_VERSION, '-v, --version', 'print version information and quit')
  .showHelpAfterError()
  .exitOverride();

program.addCommand(versionCommand());
program.addCommand(daemonCommand());
program.addCommand(demoCommand());

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  console.error(`Error: ${(e as Error).message}`);
  process.exit(1);
}
