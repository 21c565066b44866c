/**
 * Helpers for commander options as pflag reads them: repeatable flags collect into lists,
 * numbers, durations (Go syntax), sizes and CPUs are checked when parsed, with the
 * reason in the error ("option '--replicas <n>' argument 'x' is invalid. ...").
 */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from './format/duration.ts';
import { parseBytes, parseNanoCpus } from './format/units.ts';

export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function wrap<T>(f: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return f(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

export const durationArg = wrap(parseDuration);
export const bytesArg = wrap(parseBytes);
export const cpusArg = wrap(parseNanoCpus);

export const uintArg = wrap((v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`strconv.ParseUint: parsing "${v}": invalid syntax`);
  return Number(v);
});

export const intArg = wrap((v: string) => {
  if (!/^-?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
});

export const floatArg = wrap((v: string) => {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n))
    throw new Error(`strconv.ParseFloat: parsing "${v}": invalid syntax`);
  return n;
});
