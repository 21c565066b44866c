/**
 * What every client command shares: a leaf command carries `-H/--host`; its action gets a
 * context with the API client and the output streams; errors go up to main.ts, which
 * prints them in Docker's words. `failures` collects per-object errors of multi-object
 * commands (rm, inspect) so they can go on and still exit 1.
 */
import { Command } from 'commander';
import { ShoalClient } from './client/api.ts';
import { CliError, errorText } from './client/errors.ts';

export interface Ctx {
  api: ShoalClient;
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
  now: () => number;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<Buffer>;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function leaf(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('-H, --host <endpoint>', 'Daemon socket to connect to (unix:///path or tcp://host:port)');
}

export function group(name: string, description: string): Command {
  return new Command(name).description(description).enablePositionalOptions();
}

// biome-ignore lint/suspicious/noExplicitAny: commander hands options over untyped
type Opts = any;

export function act(fn: (ctx: Ctx, args: string[], opts: Opts) => Promise<void>) {
  return async (...a: unknown[]): Promise<void> => {
    const cmd = a[a.length - 1] as Command;
    const opts = cmd.optsWithGlobals();
    const ctx: Ctx = {
      api: ShoalClient.fromHost(opts.host),
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      tty: process.stdout.isTTY === true,
      now: () => Date.now(),
      env: process.env,
      readStdin,
    };
    await fn(ctx, cmd.args, opts);
  };
}

/** Runs `each` on every name, printing errors as they come; exit 1 at the end if any failed. */
export async function forEach(
  ctx: Ctx,
  names: string[],
  each: (name: string) => Promise<void>,
): Promise<void> {
  let failed = false;
  for (const n of names) {
    try {
      await each(n);
    } catch (e) {
      failed = true;
      ctx.err(`${errorText(e)}\n`);
    }
  }
  if (failed) throw new CliError('', 1);
}
