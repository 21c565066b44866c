/**
 * Go's fmt.Sprintf / Sprint / Sprintln over JSON values, for the template's printf,
 * print and println. Verbs: %v %s %q %d %b %o %O %x %X %c %U %t %e %E %f %F %g %G %T %%,
 * flags `+ - # 0 space`, width and precision (also `*`). Mistakes print as Go prints them:
 * `%!d(string=x)`, `%!s(MISSING)`, `%!(EXTRA int=1)`, `%!(NOVERB)`. Arrays and maps are
 * formatted element by element (`%q` of a list is `["a" "b"]`). JSON cannot tell an int
 * from a whole float, so a whole number takes both the int and the float verbs.
 */
import { goFloat, goQuote } from '../../api/validate/go-format.ts';
import { goPrint, goType, isObject, sortedKeys, type Value } from './template-value.ts';

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
  verb: string;
}

function runeLen(s: string): number {
  return [...s].length;
}

function pad(s: string, f: Spec, zeroOk = true): string {
  const w = f.width ?? 0;
  const n = runeLen(s);
  if (n >= w) return s;
  if (f.minus) return s + ' '.repeat(w - n);
  if (f.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? (s[0] as string) : '';
    return sign + '0'.repeat(w - n) + s.slice(sign.length);
  }
  return ' '.repeat(w - n) + s;
}

function bad(v: Value, f: Spec): string {
  if (v === null || v === undefined) return `%!${f.verb}(<nil>)`;
  return `%!${f.verb}(${goType(v)}=${goPrint(v)})`;
}

function sign(neg: boolean, f: Spec): string {
  return neg ? '-' : f.plus ? '+' : f.space ? ' ' : '';
}

function quoteRune(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${goQuote(ch).slice(1, -1)}'`;
}

function formatInt(n: number, f: Spec): string {
  const abs = Math.abs(n);
  let digits: string;
  let prefix = '';
  switch (f.verb) {
    case 'b':
      digits = abs.toString(2);
      if (f.sharp) prefix = '0b';
      break;
    case 'o':
    case 'O':
      digits = abs.toString(8);
      if (f.verb === 'O') prefix = '0o';
      else if (f.sharp) prefix = '0';
      break;
    case 'x':
    case 'X':
      digits = abs.toString(16);
      if (f.sharp) prefix = '0x';
      if (f.verb === 'X') {
        digits = digits.toUpperCase();
        prefix = prefix.toUpperCase();
      }
      break;
    case 'c':
      return pad(String.fromCodePoint(abs), f, false);
    case 'q':
      return pad(quoteRune(abs), f, false);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(f.sharp ? `${u} '${String.fromCodePoint(abs)}'` : u, f, false);
    }
    default:
      digits = String(abs);
  }
  if (f.prec !== undefined) digits = digits.padStart(f.prec, '0');
  return pad(sign(n < 0, f) + prefix + digits, f, f.prec === undefined);
}

function formatFloat(x: number, f: Spec): string {
  if (!Number.isFinite(x)) {
    const s = Number.isNaN(x)
      ? f.plus
        ? '+NaN'
        : f.space
          ? ' NaN'
          : 'NaN'
      : `${x > 0 ? (f.plus ? '+' : '') : '-'}Inf`;
    return pad(s, f, false);
  }
  const abs = Math.abs(x);
  const exp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2');
  let body: string;
  switch (f.verb) {
    case 'f':
    case 'F':
      body = abs.toFixed(f.prec ?? 6);
      break;
    case 'e':
    case 'E':
      body = exp(abs.toExponential(f.prec ?? 6));
      break;
    default: {
      if (f.prec === undefined) body = goFloat(abs);
      else {
        const p = Math.max(f.prec, 1);
        const [mant = '0', e = '0'] = abs.toExponential(p - 1).split('e');
        const ex = Number(e);
        const digits = mant.replace('.', '').replace(/0+$/, '').length || 1;
        const eprec = p > digits && digits >= ex + 1 ? digits : p;
        if (ex < -4 || ex >= eprec)
          body = exp(`${f.sharp ? mant : mant.replace(/\.?0+$/, '')}e${ex < 0 ? '' : '+'}${ex}`);
        else {
          body = abs.toFixed(Math.max(p - 1 - ex, 0));
          if (!f.sharp && body.includes('.')) body = body.replace(/\.?0+$/, '');
        }
      }
    }
  }
  if (f.verb === 'E' || f.verb === 'G') body = body.toUpperCase();
  return pad(sign(x < 0 || Object.is(x, -0), f) + body, f);
}

function formatString(s: string, f: Spec): string {
  const cut = f.prec === undefined ? s : [...s].slice(0, f.prec).join('');
  switch (f.verb) {
    case 'v':
      return pad(f.sharp ? goQuote(cut) : cut, f);
    case 's':
      return pad(cut, f);
    case 'q':
      return pad(goQuote(cut), f);
    case 'x':
    case 'X': {
      const bytes = [...Buffer.from(cut, 'utf8')].map((b) => b.toString(16).padStart(2, '0'));
      const hex = bytes.join(f.space ? ' ' : '');
      return pad(f.verb === 'X' ? hex.toUpperCase() : hex, f);
    }
    default:
      return bad(s, f);
  }
}

function formatValue(v: Value, f: Spec): string {
  if (f.verb === 'T') return pad(goType(v), f);
  if (v === null || v === undefined) return f.verb === 'v' ? pad('<nil>', f) : bad(v, f);
  if (typeof v === 'string') return formatString(v, f);
  if (typeof v === 'boolean') return f.verb === 'v' || f.verb === 't' ? pad(String(v), f) : bad(v, f);
  if (typeof v === 'number') {
    if ('eEfFgG'.includes(f.verb) || (f.verb === 'v' && !Number.isInteger(v))) return formatFloat(v, f);
    if (Number.isInteger(v) && 'vdboOxXcqU'.includes(f.verb)) return formatInt(v, f);
    return bad(v, f);
  }
  if (Array.isArray(v)) return `[${v.map((e) => formatValue(e, f)).join(' ')}]`;
  if (isObject(v)) {
    return `map[${sortedKeys(v)
      .map((k) => `${formatValue(k, f)}:${formatValue(v[k], f)}`)
      .join(' ')}]`;
  }
  return bad(v, f);
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: Value[]): string {
  let out = '';
  let argi = 0;
  const chars = [...format];
  let i = 0;
  const starArg = (): number | undefined => {
    const a = args[argi++];
    return typeof a === 'number' && Number.isInteger(a) ? a : undefined;
  };
  while (i < chars.length) {
    const c = chars[i++] as string;
    if (c !== '%') {
      out += c;
      continue;
    }
    const f: Spec = { minus: false, plus: false, sharp: false, zero: false, space: false, verb: '' };
    for (; i < chars.length; i++) {
      const fl = chars[i];
      if (fl === '-') f.minus = true;
      else if (fl === '+') f.plus = true;
      else if (fl === '#') f.sharp = true;
      else if (fl === '0') f.zero = true;
      else if (fl === ' ') f.space = true;
      else break;
    }
    let badWidth = false;
    if (chars[i] === '*') {
      i++;
      const w = starArg();
      if (w === undefined) badWidth = true;
      else if (w < 0) {
        f.minus = true;
        f.width = -w;
      } else f.width = w;
    } else {
      let w = '';
      while (/[0-9]/.test(chars[i] ?? '')) w += chars[i++];
      if (w !== '') f.width = Number(w);
    }
    let badPrec = false;
    if (chars[i] === '.') {
      i++;
      if (chars[i] === '*') {
        i++;
        const p = starArg();
        if (p === undefined || p < 0) badPrec = true;
        else f.prec = p;
      } else {
        let p = '';
        while (/[0-9]/.test(chars[i] ?? '')) p += chars[i++];
        f.prec = p === '' ? 0 : Number(p);
      }
    }
    if (badWidth) out += '%!(BADWIDTH)';
    if (badPrec) out += '%!(BADPREC)';
    const verb = chars[i++];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    f.verb = verb;
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[argi++];
    out += 'vsqdboOxXcUteEfFgGT'.includes(verb) ? formatValue(a, f) : bad(a, f);
  }
  if (argi < args.length) {
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => (a === null || a === undefined ? '<nil>' : `${goType(a)}=${goPrint(a)}`))
      .join(', ')})`;
  }
  return out;
}

/** fmt.Sprint: a space between operands when neither is a string. */
export function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += a === undefined ? '<nil>' : goPrint(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, a newline at the end. */
export function sprintln(args: Value[]): string {
  return `${args.map((a) => (a === undefined ? '<nil>' : goPrint(a))).join(' ')}\n`;
}
