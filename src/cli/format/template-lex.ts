/**
 * The template lexer: text and `{{ }}` actions cut into tokens, as text/template's lexer
 * does. `{{- ` trims the whitespace before the action, ` -}}` the whitespace after it;
 * `{{/* … *\/}}` comments vanish. Inside an action: spaces, `|`, `(`, `)`, `:=`, `=`, `,`,
 * quoted/raw strings, character constants, numbers, `true`/`false`/`nil`, `.`, `.Field`,
 * `$var`, identifiers and keywords. Errors carry Go's words and the line.
 */
import { TemplateError } from './template-value.ts';

export type TokKind =
  | 'text'
  | 'left'
  | 'right'
  | 'space'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'declare'
  | 'assign'
  | 'comma'
  | 'char'
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'dot'
  | 'field'
  | 'variable'
  | 'ident'
  | 'keyword'
  | 'eof';

export interface Tok {
  kind: TokKind;
  /** The source text (for text tokens: the text after trimming). */
  text: string;
  /** Offset of the token in the source. */
  pos: number;
  /** The value of a string, number or bool literal. */
  value?: string | number | boolean;
}

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{N}_]/u;

export function lineOf(src: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') line++;
  return line;
}

export function fail(src: string, pos: number, msg: string): never {
  throw new TemplateError(`template: :${lineOf(src, pos)}: ${msg}`);
}

/** `U+0023 '#'`, as Go's %#U. */
export function goRune(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\u0007',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\u000b',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** strconv.Unquote of the body of a "…" string or '…' character constant. */
function unquote(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) out += simple;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) return undefined;
      out += e === 'x' ? Buffer.from([cp]).toString('latin1') : String.fromCodePoint(cp);
      i += n;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else return undefined;
  }
  return out;
}

const NUMBER =
  /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[oO][0-7_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/;

function numberValue(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '').replace(/_/g, '');
  let n: number;
  if (/^0[0-7]+$/.test(body)) n = Number.parseInt(body, 8);
  else if (/^0[xX][0-9a-fA-F]+$|^0[oObB]/.test(body)) n = Number(body);
  else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) n = Number(body);
  else return undefined;
  return Number.isNaN(n) ? undefined : sign * n;
}

export function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let pos = 0;
  let trimNext = false;
  for (;;) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNext) {
      const before = text.length;
      text = text.replace(/^[ \t\r\n]+/, '');
      pos += before - text.length;
      trimNext = false;
    }
    if (open < 0) {
      if (text !== '') toks.push({ kind: 'text', text, pos });
      toks.push({ kind: 'eof', text: '', pos: src.length });
      return toks;
    }
    let p = open + 2;
    if (src[p] === '-' && SPACE.test(src[p + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      p += 2;
    }
    if (text !== '') toks.push({ kind: 'text', text, pos });
    const comment = /^[ \t\r\n]*\/\*/.exec(src.slice(p));
    if (comment !== null) {
      const end = src.indexOf('*/', p + comment[0].length);
      if (end < 0) fail(src, open, 'unclosed comment');
      const close = /^([ \t\r\n]+-)?}}/.exec(src.slice(end + 2));
      if (close === null) fail(src, open, 'comment ends before closing delimiter');
      trimNext = close[1] !== undefined;
      pos = end + 2 + close[0].length;
      continue;
    }
    toks.push({ kind: 'left', text: '{{', pos: open });
    const after = lexAction(src, p, toks);
    trimNext = after.trim;
    pos = after.pos;
  }
}

/** Lexes one action from just after `{{`; returns where the text resumes. */
function lexAction(src: string, start: number, toks: Tok[]): { pos: number; trim: boolean } {
  let p = start;
  let parens = 0;
  const push = (kind: TokKind, end: number, value?: string | number | boolean) => {
    toks.push({ kind, text: src.slice(p, end), pos: p, ...(value !== undefined && { value }) });
    p = end;
  };
  const atTerminator = (i: number) => {
    const c = src[i];
    return c === undefined || SPACE.test(c) || '.,|:)('.includes(c) || src.startsWith('}}', i);
  };
  for (;;) {
    const c = src[p];
    if (c === undefined) fail(src, p, 'unclosed action');
    if (src.startsWith('}}', p) || SPACE.test(c)) {
      let q = p;
      while (SPACE.test(src[q] ?? '')) q++;
      const trim = q > p && src.startsWith('-}}', q);
      if (trim || src.startsWith('}}', q)) {
        if (parens > 0) fail(src, p, 'unclosed left paren');
        const end = trim ? q + 3 : q + 2;
        toks.push({ kind: 'right', text: '}}', pos: trim ? q + 1 : q });
        return { pos: end, trim };
      }
      push('space', q);
      continue;
    }
    const next = src[p + 1] ?? '';
    if (c === '|') push('pipe', p + 1);
    else if (c === '(') {
      parens++;
      push('lparen', p + 1);
    } else if (c === ')') {
      if (parens === 0) fail(src, p, 'unexpected right paren');
      parens--;
      push('rparen', p + 1);
    } else if (c === ':') {
      if (next !== '=') fail(src, p, 'expected :=');
      push('declare', p + 2);
    } else if (c === '=') push('assign', p + 1);
    else if (c === ',') push('comma', p + 1);
    else if (c === '"' || c === "'") {
      let q = p + 1;
      while (q < src.length && src[q] !== c && src[q] !== '\n') q += src[q] === '\\' ? 2 : 1;
      if (src[q] !== c)
        fail(src, p, c === '"' ? 'unterminated quoted string' : 'unterminated character constant');
      const value = unquote(src.slice(p + 1, q));
      if (value === undefined) fail(src, p, `invalid syntax: ${src.slice(p, q + 1)}`);
      if (c === '"') push('string', q + 1, value);
      else {
        if ([...value].length !== 1) fail(src, p, `malformed character constant: ${src.slice(p, q + 1)}`);
        push('number', q + 1, value.codePointAt(0));
      }
    } else if (c === '`') {
      const q = src.indexOf('`', p + 1);
      if (q < 0) fail(src, p, 'unterminated raw quoted string');
      push('string', q + 1, src.slice(p + 1, q).replace(/\r/g, ''));
    } else if (/[0-9]/.test(c) || ('+-.'.includes(c) && /[0-9]/.test(next))) {
      const m = NUMBER.exec(src.slice(p)) as RegExpExecArray;
      const end = p + m[0].length;
      const value = numberValue(m[0]);
      if (value === undefined || ALNUM.test(src[end] ?? '') || src[end] === '.') {
        let q = end;
        while (q < src.length && !atTerminator(q)) q++;
        fail(src, p, `bad number syntax: "${src.slice(p, q)}"`);
      }
      push('number', end, value);
    } else if (c === '$' || c === '.' || ALNUM.test(c)) {
      let q = c === '$' || c === '.' ? p + 1 : p;
      while (q < src.length && ALNUM.test(src[q] as string)) q++;
      const word = src.slice(p, q);
      if (!atTerminator(q)) fail(src, q, `bad character ${goRune(src[q] as string)}`);
      if (c === '$') push('variable', q);
      else if (c === '.') push(word === '.' ? 'dot' : 'field', q);
      else if (word === 'true' || word === 'false') push('bool', q, word === 'true');
      else if (word === 'nil') push('nil', q);
      else push(KEYWORDS.has(word) ? 'keyword' : 'ident', q);
    } else if (/[\x21-\x7e]/.test(c)) push('char', p + 1);
    else
      fail(
        src,
        p,
        `unrecognized character in action: ${goRune(String.fromCodePoint(src.codePointAt(p) ?? 0))}`,
      );
  }
}
