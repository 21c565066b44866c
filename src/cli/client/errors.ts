/**
 * Errors the CLI prints. `CliError.text` is the whole line as Docker prints it (a daemon
 * error is `Error response from daemon: <message>`); anything else is `Error: <message>`.
 */
export class CliError extends Error {
  constructor(
    readonly text: string,
    readonly exitCode = 1,
  ) {
    super(text);
  }
}

/** The daemon answered with an error status and `{"message": …}`. */
export class DaemonError extends CliError {
  constructor(
    readonly status: number,
    readonly daemonMessage: string,
  ) {
    super(`Error response from daemon: ${daemonMessage}`);
  }
}

/** The line printed on stderr for any error reaching the top. */
export function errorText(e: unknown): string {
  if (e instanceof CliError) return e.text;
  return `Error: ${(e as Error).message ?? String(e)}`;
}
