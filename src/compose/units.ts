/**
 * The value syntaxes compose files share with the docker CLI: Go durations (`1m30s`),
 * binary sizes (`512M`, `1.5g`), CPU counts (`0.5` -> 500000000 NanoCPUs) and shell words
 * (`command: echo "a b"` -> ["echo", "a b"]). Errors say what Go's parsers say.
 */
import { ComposeError } from './types.ts';

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds. */
export function parseDuration(s: string): number {
  const bad = () => new ComposeError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad();
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (rest !== '') {
    const m = part.exec(rest);
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) throw bad();
    const unit = DURATION_UNITS[m[3] ?? ''];
    if (unit === undefined)
      throw new ComposeError(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(s)}`);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * Math.trunc(total);
}

export function isDuration(s: string): boolean {
  try {
    parseDuration(s);
    return true;
  } catch {
    return false;
  }
}

const SIZE = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/;
const SIZE_UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** go-units RAMInBytes: binary multiples, a bare number is bytes. */
export function ramInBytes(v: string | number): number {
  if (typeof v === 'number') return Math.trunc(v);
  const m = SIZE.exec(v);
  if (m === null) throw new ComposeError(`invalid size: '${v}'`);
  const n = Number.parseFloat(m[1] ?? '');
  const unit = m[2] === undefined ? 1 : (SIZE_UNITS[m[2].toLowerCase()] ?? 1);
  return Math.trunc(n * unit);
}

/** The CLI's ParseCPUs: a rational number of CPUs, exact in nano units. */
export function parseCpus(v: string): number {
  const fail = () => new ComposeError(`failed to parse ${v} as a rational number`);
  let num: bigint;
  let den: bigint;
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(v);
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(v);
  if (frac !== null) {
    num = BigInt(frac[1] ?? '0');
    den = BigInt(frac[2] ?? '1');
    if (den === 0n) throw fail();
  } else if (dec !== null && `${dec[2]}${dec[3] ?? ''}` !== '') {
    const fraction = dec[3] ?? '';
    num = BigInt(`${dec[1]}${dec[2] || '0'}${fraction}`);
    den = 10n ** BigInt(fraction.length);
  } else {
    throw fail();
  }
  const nano = num * 1_000_000_000n;
  if (nano % den !== 0n) throw new ComposeError('value is too precise');
  return Number(nano / den);
}

/** Shell-like word splitting (quotes, backslash escapes), as the loader splits a string command. */
export function shellSplit(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < s.length && '"\\$`\n'.includes(s[i + 1] ?? '')) word += s[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new ComposeError('EOF found when expecting closing quote');
  if (inWord) words.push(word);
  return words;
}
