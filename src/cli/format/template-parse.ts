/**
 * The template parser: tokens (template-lex.ts) into a tree of text, actions and the
 * control structures `if`/`else if`/`else`, `range`/`else`, `with`/`else with`/`else`,
 * `break`/`continue`, with Go's checks at parse time: unknown functions, undefined
 * variables, a missing `{{end}}` (`unexpected EOF`), a stray `{{end}}`/`{{else}}`.
 */

import { goQuote } from '../../api/validate/go-format.ts';
import { fail, lex, type Tok, type TokKind } from './template-lex.ts';

/** An operand of a command. `pos` is where Go would report it; `str` is how Go prints it. */
export type Arg = { pos: number; str: string } & (
  | { k: 'field'; path: string[] }
  | { k: 'dot' }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'ident'; name: string }
  | { k: 'chain'; node: Arg; path: string[] }
  | { k: 'pipe'; pipe: Pipe }
  | { k: 'literal'; value: string | number | boolean }
  | { k: 'nil' }
);

export interface Cmd {
  pos: number;
  str: string;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  str: string;
  decl: string[];
  isAssign: boolean;
  cmds: Cmd[];
}

export interface Control {
  k: 'if' | 'with' | 'range';
  pos: number;
  str: string;
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
}

export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | Control
  | { k: 'break' | 'continue'; pos: number };

type Stop = { k: 'end' } | { k: 'else'; chained?: Tok };

const REFUSED = new Set(['define', 'template', 'block']);

function tokStr(t: Tok): string {
  if (t.kind === 'eof') return 'EOF';
  if (t.kind === 'keyword') return `<${t.text}>`;
  const s = t.kind === 'right' ? '}}' : t.text;
  return s.length > 10 ? `${goQuote(s.slice(0, 10))}...` : goQuote(s);
}

export class Parser {
  private readonly toks: Tok[];
  private i = 0;
  private vars = ['$'];
  private rangeDepth = 0;
  /** The enclosing controls: `{{else if}}` goes on an `if`, `{{else with}}` on a `with`. */
  private context: string[] = [];

  constructor(
    private readonly src: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {
    this.toks = lex(src);
  }

  parse(): Node[] {
    return this.itemList(true).list;
  }

  private error(t: Tok | number, msg: string): never {
    return fail(this.src, typeof t === 'number' ? t : t.pos, msg);
  }

  private peek(): Tok {
    return this.toks[this.i] as Tok;
  }

  private next(): Tok {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private peekNonSpace(): Tok {
    while (this.peek().kind === 'space') this.i++;
    return this.peek();
  }

  private nextNonSpace(): Tok {
    this.peekNonSpace();
    return this.next();
  }

  private expect(kind: TokKind, context: string): Tok {
    const t = this.nextNonSpace();
    if (t.kind !== kind) this.error(t, `unexpected ${tokStr(t)} in ${context}`);
    return t;
  }

  /** Nodes up to EOF (top level) or up to an `{{end}}`/`{{else}}`, which is returned. */
  private itemList(top: boolean): { list: Node[]; stop?: Stop } {
    const list: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') {
        if (!top) this.error(t, 'unexpected EOF');
        return { list };
      }
      if (t.kind === 'text') {
        list.push({ k: 'text', text: t.text });
        continue;
      }
      const n = this.action(t);
      if (n.k === 'end' || n.k === 'else') {
        if (top) this.error(t, `unexpected {{${n.k}}}`);
        return { list, stop: n };
      }
      list.push(n);
    }
  }

  /** After `{{`: a control keyword or a pipeline to print. */
  private action(left: Tok): Node | Stop {
    const t = this.peekNonSpace();
    if (t.kind === 'keyword') {
      this.next();
      switch (t.text) {
        case 'end':
          this.expect('right', 'end');
          return { k: 'end' };
        case 'else': {
          const n = this.peekNonSpace();
          if (n.kind === 'keyword' && n.text === this.context[this.context.length - 1]) {
            this.next();
            return { k: 'else', chained: n };
          }
          if (n.kind === 'keyword') this.error(n, `unexpected ${tokStr(n)} in input`);
          this.expect('right', 'else');
          return { k: 'else' };
        }
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.error(t, `{{${t.text}}} outside {{range}}`);
          this.expect('right', `{{${t.text}}}`);
          return { k: t.text as 'break' | 'continue', pos: t.pos };
        case 'if':
        case 'with':
        case 'range':
          return this.control(t.text, left.pos);
        default:
          if (REFUSED.has(t.text)) this.error(t, `"${t.text}" is not supported by shoal's --format`);
      }
    }
    return { k: 'action', pipe: this.pipeline('command', 'right') };
  }

  private control(context: 'if' | 'with' | 'range', pos: number): Node {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'right');
    if (context === 'range') this.rangeDepth++;
    this.context.push(context);
    const { list, stop } = this.itemList(false);
    this.context.pop();
    if (context === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (stop?.k === 'else') {
      if (stop.chained !== undefined) {
        // `{{else if …}}` / `{{else with …}}`: a nested control that takes the one {{end}}.
        elseList = [this.control(stop.chained.text as 'if' | 'with', stop.chained.pos)];
      } else {
        const rest = this.itemList(false);
        if (rest.stop?.k !== 'end') this.error(this.toks[this.i - 1] as Tok, 'expected end; found {{else}}');
        elseList = rest.list;
      }
    }
    this.vars.length = mark;
    const str = `{{${context} ${pipe.str}}}`;
    return { k: context, pos, str, pipe, list, ...(elseList !== undefined && { elseList }) };
  }

  private pipeline(context: string, end: 'right' | 'rparen'): Pipe {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    for (;;) {
      const v = this.peekNonSpace();
      if (v.kind !== 'variable') break;
      const save = this.i;
      this.next();
      const n = this.peekNonSpace();
      if (n.kind === 'declare' || n.kind === 'assign') {
        this.next();
        isAssign = n.kind === 'assign';
        decl.push(v.text);
        if (!isAssign) this.vars.push(v.text);
        break;
      }
      if (n.kind === 'comma' && context === 'range' && decl.length === 0) {
        this.next();
        decl.push(v.text);
        this.vars.push(v.text);
        if (this.peekNonSpace().kind !== 'variable') this.error(v, 'range can only initialize variables');
        continue;
      }
      if (n.kind === 'comma') this.error(v, `too many declarations in ${context}`);
      if (decl.length > 0) this.error(v, 'range can only initialize variables');
      this.i = save;
      break;
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === end) {
        this.next();
        break;
      }
      if (
        ['bool', 'dot', 'field', 'ident', 'lparen', 'nil', 'number', 'string', 'variable'].includes(t.kind)
      ) {
        cmds.push(this.command());
        continue;
      }
      this.error(t, `unexpected ${tokStr(t)} in ${context}`);
    }
    if (cmds.length === 0) this.error(start, `missing value for ${context}`);
    cmds.slice(1).forEach((c, i) => {
      const first = c.args[0] as Arg;
      if (first.k === 'literal' || first.k === 'dot' || first.k === 'nil') {
        this.error(c.pos, `non executable command in pipeline stage ${i + 2}`);
      }
    });
    const body = cmds.map((c) => c.str).join(' | ');
    const str = decl.length > 0 ? `${decl.join(', ')} ${isAssign ? '=' : ':='} ${body}` : body;
    return { pos: start.pos, str, decl, isAssign, cmds };
  }

  private command(): Cmd {
    const pos = this.peekNonSpace().pos;
    const args: Arg[] = [];
    for (;;) {
      this.peekNonSpace();
      const a = this.operand();
      if (a !== undefined) args.push(a);
      const t = this.next();
      if (t.kind === 'space') continue;
      if (t.kind === 'right' || t.kind === 'rparen') this.i--;
      else if (t.kind !== 'pipe') this.error(t, `unexpected ${tokStr(t)} in operand`);
      break;
    }
    if (args.length === 0) this.error(pos, 'empty command');
    return { pos, str: args.map((a) => a.str).join(' '), args };
  }

  private operand(): Arg | undefined {
    const node = this.term();
    if (node === undefined || this.peek().kind !== 'field') return node;
    const pos = this.peek().pos;
    const path: string[] = [];
    while (this.peek().kind === 'field') path.push(this.next().text.slice(1));
    const suffix = path.map((p) => `.${p}`).join('');
    const str = `${node.str}${suffix}`;
    switch (node.k) {
      case 'field':
        return { k: 'field', pos, str, path: [...node.path, ...path] };
      case 'var':
        return { k: 'var', pos, str, name: node.name, path: [...node.path, ...path] };
      case 'literal':
      case 'dot':
      case 'nil':
        return this.error(pos, `unexpected . after term ${goQuote(node.str)}`);
      default:
        return { k: 'chain', pos, str, node, path };
    }
  }

  private term(): Arg | undefined {
    const t = this.peekNonSpace();
    const pos = t.pos;
    const save = this.i;
    this.next();
    switch (t.kind) {
      case 'ident':
        if (!this.hasFunction(t.text)) this.error(t, `function "${t.text}" not defined`);
        return { k: 'ident', pos, str: t.text, name: t.text };
      case 'dot':
        return { k: 'dot', pos, str: '.' };
      case 'nil':
        return { k: 'nil', pos, str: 'nil' };
      case 'variable':
        if (!this.vars.includes(t.text)) this.error(t, `undefined variable "${t.text}"`);
        return { k: 'var', pos, str: t.text, name: t.text, path: [] };
      case 'field':
        return { k: 'field', pos, str: t.text, path: [t.text.slice(1)] };
      case 'bool':
      case 'number':
      case 'string':
        return { k: 'literal', pos, str: t.text, value: t.value as string | number | boolean };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rparen');
        return { k: 'pipe', pos, str: `(${pipe.str})`, pipe };
      }
      default:
        this.i = save;
        return undefined;
    }
  }
}

export function parse(src: string, hasFunction: (name: string) => boolean): Node[] {
  return new Parser(src, hasFunction).parse();
}
