/**
 * Go's text/template for `--format`, as the docker CLI runs it (`template.New("")` with
 * Docker's functions): text with `{{ pipeline }}` actions, `{{-`/`-}}` trimming, comments,
 * fields (`.`, `.Spec.Name`, `$v.Name`, `(pipeline).Name`), literals, pipes, variables
 * (`$x := …`, `$x = …`, `$`), `if`/`else if`/`else`, `range` (arrays, maps in key order,
 * integers; `$i, $e :=`; `break`/`continue`; `else`), `with`/`else with`/`else`, and the
 * functions of template-funcs.ts. `define`/`template`/`block` are refused. Values print
 * as Go's %v would (`[a b]`, `map[k:v]`, `<no value>`).
 *
 * template-lex.ts cuts the source into tokens, template-parse.ts builds the tree (parse
 * errors: `template: :1: unexpected EOF`), template-exec.ts runs it (run-time errors:
 * `template: :1:2: executing "" at <…>: …`).
 */
import { execute } from './template-exec.ts';
import { FUNCS } from './template-funcs.ts';
import { parse } from './template-parse.ts';
import type { Value } from './template-value.ts';

export { goJson, goPrint, TemplateError } from './template-value.ts';

export interface Template {
  execute(dot: Value): string;
}

export function parseTemplate(src: string): Template {
  const tree = parse(src, (name) => Object.hasOwn(FUNCS, name));
  return { execute: (dot) => execute(src, tree, dot) };
}
