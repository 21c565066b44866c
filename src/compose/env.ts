/**
 * Env files: the project's `.env` (variables for interpolation) and a service's
 * `env_file:` entries (variables for the container). One `KEY=VALUE` a line, `#` comments
 * and blank lines skipped, a bare `KEY` taken from the environment when set there.
 * `.env` values may be quoted (the quotes are dropped, as compose does); `env_file`
 * values are taken literally, as the docker CLI does.
 */
import { ComposeError } from './types.ts';

export interface EnvFileOptions {
  /** Strip one pair of matching surrounding quotes from values. */
  unquote?: boolean;
  lookup?: (name: string) => string | undefined;
}

/** Entries in file order; a bare KEY that the environment lacks is left out. */
export function parseEnvFile(content: string, o: EnvFileOptions = {}): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of content.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === '') throw new ComposeError(`no variable name on line '${line}'`);
    const name = o.unquote ? key.replace(/^export\s+/, '').trim() : key;
    if (/\s/.test(name)) throw new ComposeError(`variable '${name}' contains whitespaces`);
    if (eq < 0) {
      const v = o.lookup?.(name);
      if (v !== undefined) out.push([name, v]);
      continue;
    }
    let value = line.slice(eq + 1);
    if (o.unquote) {
      value = value.trim();
      const q = value[0];
      if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
      else value = value.replace(/\s+#.*$/, '');
    }
    out.push([name, value]);
  }
  return out;
}
