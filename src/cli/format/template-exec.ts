/**
 * The template executor: walks the parsed tree over a JSON value. Dot starts as the
 * value and `$` stays it; `with` and `range` move dot. Variables live until the end of
 * the control structure that declared them. `range` visits arrays in order, maps in
 * sorted key order, and 0..n-1 for an integer n; nothing to visit runs `{{else}}`.
 * Errors read as Go's: `template: :1:2: executing "" at <index .A 5>: error calling
 * index: index out of range: 5`.
 */
import { FUNCS, type Func, FuncError } from './template-funcs.ts';
import type { Arg, Cmd, Control, Node, Pipe } from './template-parse.ts';
import {
  byteLength,
  fieldOf,
  goPrint,
  goType,
  isObject,
  sortedKeys,
  TemplateError,
  truth,
  type Value,
} from './template-value.ts';

type Signal = 'break' | 'continue' | undefined;
type Located = { pos: number; str: string };

/** Where Go reports a pipeline's run-time errors: its last operand. */
function lastArg(pipe: Pipe): Located {
  const cmd = pipe.cmds[pipe.cmds.length - 1] as Cmd;
  return cmd.args[cmd.args.length - 1] as Arg;
}

export function execute(src: string, tree: Node[], root: Value): string {
  return new Exec(src, root).run(tree);
}

class Exec {
  private readonly out: string[] = [];
  private readonly vars: { name: string; value: Value }[];

  constructor(
    private readonly src: string,
    private readonly root: Value,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  run(tree: Node[]): string {
    this.walkList(tree, this.root);
    return this.out.join('');
  }

  private error(node: Located, msg: string): never {
    const before = this.src.slice(0, node.pos);
    const line = before.split('\n').length;
    const col = byteLength(before.slice(before.lastIndexOf('\n') + 1));
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${node.str}>: ${msg}`);
  }

  private walkList(nodes: Node[], dot: Value): Signal {
    for (const n of nodes) {
      const signal = this.walk(n, dot);
      if (signal !== undefined) return signal;
    }
    return undefined;
  }

  private walk(n: Node, dot: Value): Signal {
    switch (n.k) {
      case 'text':
        this.out.push(n.text);
        return undefined;
      case 'action': {
        const v = this.pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out.push(goPrint(v));
        return undefined;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const v = this.pipeline(n.pipe, dot);
        let signal: Signal;
        if (truth(v)) signal = this.walkList(n.list, n.k === 'with' ? v : dot);
        else if (n.elseList !== undefined) signal = this.walkList(n.elseList, dot);
        this.vars.length = mark;
        return signal;
      }
      case 'range':
        return this.range(n, dot);
      default:
        return n.k;
    }
  }

  private range(n: Control, dot: Value): Signal {
    const mark = this.vars.length;
    const v = this.pipeline(n.pipe, dot, false);
    let items: [Value, Value][];
    if (Array.isArray(v)) items = v.map((e, i) => [i, e]);
    else if (isObject(v)) items = sortedKeys(v).map((k) => [k, fieldOf(v, k)]);
    else if (typeof v === 'number' && Number.isInteger(v)) {
      if (n.pipe.decl.length > 1)
        this.error(lastArg(n.pipe), `can't use ${v} to iterate over more than one variable`);
      items = Array.from({ length: Math.max(v, 0) }, (_e, i) => [i, i]);
    } else if (v === undefined || v === null) items = [];
    else this.error(lastArg(n.pipe), `range can't iterate over ${goPrint(v)}`);
    let signal: Signal;
    for (const [k, e] of items) {
      this.vars.length = mark;
      const values = n.pipe.decl.length === 2 ? [k, e] : [e];
      n.pipe.decl.forEach((name, i) => {
        if (n.pipe.isAssign) this.setVar(lastArg(n.pipe), name, values[i]);
        else this.vars.push({ name, value: values[i] });
      });
      if (this.walkList(n.list, e) === 'break') break;
    }
    this.vars.length = mark;
    if (items.length === 0 && n.elseList !== undefined) signal = this.walkList(n.elseList, dot);
    return signal;
  }

  private pipeline(pipe: Pipe, dot: Value, declare = true): Value {
    let value: { v: Value } | undefined;
    for (const cmd of pipe.cmds) value = { v: this.command(cmd, dot, value) };
    const v = value?.v;
    if (declare) {
      for (const name of pipe.decl) {
        if (pipe.isAssign) this.setVar(lastArg(pipe), name, v);
        else this.vars.push({ name, value: v });
      }
    }
    return v;
  }

  private lookup(node: Located, name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v?.name === name) return v.value;
    }
    return this.error(node, `undefined variable: ${name}`);
  }

  private setVar(node: Located, name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v?.name === name) {
        v.value = value;
        return;
      }
    }
    this.error(node, `undefined variable: ${name}`);
  }

  private command(cmd: Cmd, dot: Value, final: { v: Value } | undefined): Value {
    const [first, ...rest] = cmd.args as [Arg, ...Arg[]];
    if (first.k === 'ident') return this.call(first.name, first, cmd, rest, dot, final);
    const hasArgs = rest.length > 0 || final !== undefined;
    if (hasArgs) {
      if (first.k === 'field' || first.k === 'chain' || (first.k === 'var' && first.path.length > 0)) {
        this.error(
          first,
          `${first.path[first.path.length - 1]} has arguments but cannot be invoked as function`,
        );
      }
      this.error(first, `can't give argument to non-function ${first.str}`);
    }
    if (first.k === 'nil') this.error(first, 'nil is not a command');
    return this.arg(first, dot);
  }

  private arg(a: Arg, dot: Value): Value {
    switch (a.k) {
      case 'field':
        return this.fields(a, dot, a.path);
      case 'dot':
        return dot;
      case 'var':
        return this.fields(a, this.lookup(a, a.name), a.path);
      case 'chain':
        return this.fields(
          a.node.k === 'pipe' ? lastArg(a.node.pipe) : a.node,
          this.arg(a.node, dot),
          a.path,
        );
      case 'ident':
        return this.call(a.name, a, { pos: a.pos, str: a.str, args: [a] }, [], dot, undefined);
      case 'pipe':
        return this.pipeline(a.pipe, dot);
      case 'literal':
        return a.value;
      case 'nil':
        return null;
    }
  }

  private fields(node: Located, receiver: Value, path: string[]): Value {
    let cur = receiver;
    for (const name of path) {
      if (cur === undefined || cur === null) return undefined;
      if (!isObject(cur)) this.error(node, `can't evaluate field ${name} in type ${goType(cur)}`);
      cur = fieldOf(cur, name);
    }
    return cur;
  }

  private call(
    name: string,
    ident: Located,
    cmd: Cmd,
    argNodes: Arg[],
    dot: Value,
    final?: { v: Value },
  ): Value {
    const fn = FUNCS[name] as Func;
    const n = argNodes.length + (final !== undefined ? 1 : 0);
    if (n < fn.min || n > fn.max) {
      const want = fn.min === fn.max ? `${fn.min}` : `at least ${fn.min}`;
      this.error(ident, `wrong number of args for ${name}: want ${want} got ${n}`);
    }
    const nil = (v: Value) => (v === undefined ? null : v);
    if (name === 'and' || name === 'or') {
      // Go 1.18+: stop at the first argument that decides the answer.
      let v: Value;
      for (const a of argNodes) {
        v = this.arg(a, dot);
        if (truth(v) === (name === 'or')) return v;
      }
      return final !== undefined ? final.v : v;
    }
    const args = argNodes.map((a) => nil(this.arg(a, dot)));
    if (final !== undefined) args.push(nil(final.v));
    try {
      return fn.call(...args);
    } catch (e) {
      if (e instanceof FuncError) this.error(cmd, `error calling ${name}: ${e.message}`);
      throw e;
    }
  }
}
