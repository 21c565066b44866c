/**
 * Variable substitution in one string, as compose files use it:
 *
 *   $$            a literal $
 *   $VAR ${VAR}   the value, or empty when unset
 *   ${VAR:-dflt}  dflt when VAR is unset or empty     ${VAR-dflt}  dflt only when unset
 *   ${VAR:?err}   an error when VAR is unset or empty  ${VAR?err}   an error only when unset
 *
 * Anything else after a `$` (`${}`, `${1x}`, a lone `$` at the end) is an invalid
 * template. Unlike Docker's regular expression, an unbraced `$VAR` takes only the name
 * (Docker reads `$A-b` as `${A-b}`), and the operator must follow the name directly.
 */

export type Lookup = (name: string) => string | undefined;

/** The template could not be expanded; `detail` is what Docker quotes in its message. */
export class TemplateError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'TemplateError';
  }
}

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const BRACED = /^([_a-zA-Z][_a-zA-Z0-9]*)(?:(:?[-?])(.*))?$/s;

function expand(body: string, lookup: Lookup, template: string): string {
  const m = BRACED.exec(body);
  if (m === null) throw new TemplateError(template);
  const [, name = '', op, arg = ''] = m;
  const value = lookup(name);
  switch (op) {
    case undefined:
      return value ?? '';
    case ':-':
      return value === undefined || value === '' ? arg : value;
    case '-':
      return value ?? arg;
    case ':?':
    case '?':
      if (value === undefined || (op === ':?' && value === '')) {
        throw new TemplateError(`required variable ${name} is missing a value: ${arg}`);
      }
      return value;
    default:
      throw new TemplateError(template);
  }
}

export function substitute(template: string, lookup: Lookup): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = template.indexOf('}', i + 2);
      if (end < 0) throw new TemplateError(template);
      out += expand(template.slice(i + 2, end), lookup, template);
      i = end + 1;
    } else {
      const m = NAME.exec(template.slice(i + 1));
      if (m === null) throw new TemplateError(template);
      out += lookup(m[0]) ?? '';
      i += 1 + m[0].length;
    }
  }
  return out;
}
