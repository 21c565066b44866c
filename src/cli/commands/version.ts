/** `shoal version`: client version information, in the shape of `docker version`'s client part. */
import { Command } from 'commander';
import { SHOAL_VERSION } from '../version.ts';

export function versionCommand(): Command {
  return new Command('version').description('Show the Shoal version information').action(() => {
    const lines = [
      ['Version:', SHOAL_VERSION],
      ['Node.js:', process.version],
      ['OS/Arch:', `${process.platform}/${process.arch}`],
    ];
    console.log('Client: Shoal');
    for (const [k, v] of lines) console.log(` ${(k as string).padEnd(16)}${v}`);
  });
}
