/**
 * Go's time.ParseDuration, as the docker CLI reads `--update-delay 1m30s`: a sequence of
 * decimal numbers with units ns, us (µs), ms, s, m, h; a bare `0` is allowed. Answers
 * nanoseconds. Printing goes through src/api's goDuration (time.Duration.String()).
 */
export { goDuration as formatDuration } from '../../api/validate/go-format.ts';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseDuration(text: string): number {
  const bad = () => new Error(`time: invalid duration "${text}"`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?([a-zµμ]*)/.exec(s);
    if (m === null || (m[1] === '' && (m[2] ?? '') === '')) throw bad();
    const unit = m[3] ?? '';
    if (unit === '') throw new Error(`time: missing unit in duration "${text}"`);
    const size = UNIT_NS[unit];
    if (size === undefined) throw new Error(`time: unknown unit "${unit}" in duration "${text}"`);
    const whole = Number(m[1] || '0');
    const frac = m[2] ? Number(`0.${m[2]}`) : 0;
    total += Math.round(whole * size + frac * size);
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** A commander argument parser for a duration flag (answers nanoseconds). */
export function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (e) {
    throw new InvalidFlagValue(value, (e as Error).message);
  }
}

/** Thrown by option parsers: printed as pflag words `invalid argument "x" for "--flag" flag: why`. */
export class InvalidFlagValue extends Error {
  constructor(
    readonly value: string,
    readonly why: string,
  ) {
    super(why);
  }
}
