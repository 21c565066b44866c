/** Flag values that parse but make no sense together: printed as Docker's client errors. */
import { CliError } from '../../client/errors.ts';

export function specError<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as Error).message);
  }
}
