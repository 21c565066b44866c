/**
 * A subset of Go's text/template for `--format`: text with `{{ pipeline }}` actions,
 * `{{-`/`-}}` trimming, fields (`.`, `.Spec.Name`), string and number literals, pipes, and
 * the functions Docker's formats use most: json, index, join, split, upper, lower, title,
 * len, println, printf (%s %v %d %q %%), truncate, pad. No if/range/with: they are refused
 * with a message instead of being misread. Values print as Go's %v would (`[a b]`,
 * `map[k:v]`, `<no value>`).
 */
import { goFloat, goQuote } from '../../api/validate/go-format.ts';

type Value = unknown;

export class TemplateError extends Error {}

/** Go's %v of a JSON value. */
export function goPrint(v: Value): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, Value>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goPrint(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** Go's json.Marshal: compact, with <, > and & escaped. */
export function goJson(v: Value, indent?: string): string {
  return (JSON.stringify(v ?? null, null, indent) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

function printf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([-+# 0]*\d*)?([svdqgf%])/g, (_m, _flags, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return goQuote(goPrint(a));
    return goPrint(a);
  });
}

const FUNCS: Record<string, (...a: Value[]) => Value> = {
  json: (v) => goJson(v),
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || cur === undefined) return undefined;
      cur = (cur as Record<string, Value>)[String(k)];
    }
    return cur;
  },
  join: (v, sep) => (Array.isArray(v) ? v.map(goPrint).join(String(sep)) : goPrint(v)),
  split: (v, sep) => String(v).split(String(sep)),
  upper: (v) => goPrint(v).toUpperCase(),
  lower: (v) => goPrint(v).toLowerCase(),
  title: (v) => goPrint(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys(v ?? {}).length),
  println: (...a) => `${a.map(goPrint).join(' ')}\n`,
  printf: (f, ...a) => printf(String(f), a),
  truncate: (v, n) => [...goPrint(v)].slice(0, Number(n)).join(''),
  pad: (v, l, r) => `${' '.repeat(Number(l))}${goPrint(v)}${' '.repeat(Number(r))}`,
};

type Node = { text: string } | { action: string };

function lex(src: string): Node[] {
  const out: Node[] = [];
  let rest = src;
  while (rest !== '') {
    const open = rest.indexOf('{{');
    if (open < 0) {
      out.push({ text: rest });
      break;
    }
    let text = rest.slice(0, open);
    const close = rest.indexOf('}}', open);
    if (close < 0) throw new TemplateError('template: unclosed action');
    let action = rest.slice(open + 2, close);
    rest = rest.slice(close + 2);
    if (action.startsWith('-') && /^-\s/.test(action)) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      rest = rest.replace(/^\s+/, '');
    }
    if (text !== '') out.push({ text });
    out.push({ action: action.trim() });
  }
  return out;
}

/** Splits a command into words: strings in quotes or backquotes stay whole. */
function words(cmd: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s]+)/g;
  for (let m = re.exec(cmd); m !== null; m = re.exec(cmd)) if (m[1] !== undefined) out.push(m[1]);
  return out;
}

function operand(word: string, dot: Value): Value {
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith('`')) return word.slice(1, -1);
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (word === 'true' || word === 'false') return word === 'true';
  if (word === '.') return dot;
  if (word.startsWith('.')) {
    let cur: Value = dot;
    for (const f of word.slice(1).split('.')) {
      if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, Value>)[f];
    }
    return cur;
  }
  throw new TemplateError(`template: function "${word}" not defined`);
}

function evalPipeline(pipeline: string, dot: Value): Value {
  let prev: { v: Value } | undefined;
  for (const cmd of pipeline.split(/\s\|\s/)) {
    const [head = '', ...args] = words(cmd);
    const fn = FUNCS[head];
    let v: Value;
    if (fn !== undefined) {
      const values = args.map((a) => operand(a, dot));
      if (prev !== undefined) values.push(prev.v);
      v = fn(...values);
    } else {
      if (/^[A-Za-z_]\w*$/.test(head) && head !== 'true' && head !== 'false') {
        throw new TemplateError(`template: function "${head}" not defined`);
      }
      if (args.length > 0 || prev !== undefined)
        throw new TemplateError(`template: can't give argument to non-function ${head}`);
      v = operand(head, dot);
    }
    prev = { v };
  }
  return prev?.v;
}

export interface Template {
  execute(dot: Value): string;
}

export function parseTemplate(src: string): Template {
  const nodes = lex(src);
  for (const n of nodes) {
    if ('action' in n && /^(if|range|with|else|end|define|template|block)\b/.test(n.action)) {
      throw new TemplateError(`template: "${n.action.split(/\s/)[0]}" is not supported by shoal's --format`);
    }
  }
  return {
    execute: (dot) =>
      nodes
        .map((n) => {
          if ('text' in n) return n.text;
          if (n.action === '' || n.action.startsWith('/*')) return '';
          return goPrint(evalPipeline(n.action, dot));
        })
        .join(''),
  };
}
