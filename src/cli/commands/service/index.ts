/** `shoal service …`: one file per verb group; this file assembles them. */
import type { Command } from 'commander';
import { group } from '../../kit.ts';
import { createCommand } from './create.ts';
import { inspectCommand, lsCommand, psCommand, rmCommand } from './list.ts';
import { logsCommand } from './logs.ts';
import { scaleCommand } from './scale.ts';
import { rollbackCommand, updateCommand } from './update.ts';

export function serviceCommand(): Command {
  return group('service', 'Manage Swarm services')
    .addCommand(createCommand())
    .addCommand(inspectCommand())
    .addCommand(logsCommand())
    .addCommand(lsCommand())
    .addCommand(psCommand())
    .addCommand(rmCommand())
    .addCommand(rollbackCommand())
    .addCommand(scaleCommand())
    .addCommand(updateCommand());
}
