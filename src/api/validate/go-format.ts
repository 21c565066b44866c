/**
 * Go's formatting verbs where Docker's messages use them, so our text is byte-for-byte
 * theirs: `%q` (a Go-quoted string), `%g` (shortest float) and time.Duration's String()
 * (`1h0m0s`, `1ms`, `1.5s`).
 */

const ESCAPES: Record<string, string> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\u000b': '\\v',
  '\\': '\\\\',
  '"': '\\"',
};

/** `%q` of a string: double-quoted, Go escapes, non-printable code points as \x / \u / \U. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = ESCAPES[ch];
    if (esc !== undefined) {
      out += esc;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xfffd || (cp >= 0xd800 && cp < 0xe000)) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/**
 * `%g` of a float64 with no precision: Go's shortest digits, written %e when the exponent
 * is below -4 or at least 6 (`1e-09`, `0.001`, `123456`, `1e+06`).
 */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mant = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['h', 3600e9],
  ['m', 60e9],
];

function fraction(ns: number, unit: number): string {
  const whole = Math.floor(ns / unit);
  const rest = ns % unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

/** time.Duration(ns).String(): `0s`, `1ms`, `1.5s`, `1m30s`, `1h0m0s`, `-5s`, `1µs`, `3ns`. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 0) return `-${goDuration(-ns)}`;
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${fraction(ns, 1e3)}µs`;
  if (ns < 1e9) return `${fraction(ns, 1e6)}ms`;
  let out = '';
  let rest = ns;
  let started = false;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 || started) {
      out += `${n}${unit}`;
      started = true;
    }
    rest -= n * size;
  }
  return `${out}${fraction(rest, 1e9)}s`;
}
