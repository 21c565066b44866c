/**
 * Sizes and CPUs as the docker CLI reads and prints them: `--reserve-memory 512m`
 * (go-units RAMInBytes: binary multiples, an optional `i`/`b`), `--limit-cpu 0.5`
 * (NanoCPUs, refused when finer than 1e-9), and go-units BytesSize for `inspect --pretty`
 * (`64MiB`, `1.5GiB`).
 */
const MULT: Record<string, number> = {
  '': 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(text);
  if (m === null) throw new Error(`invalid size: '${text}'`);
  const n = Number(m[1]);
  if (Number.isNaN(n)) throw new Error(`invalid size: '${text}'`);
  return Math.trunc(n * (MULT[(m[2] ?? '').toLowerCase()] ?? 1));
}

export function parseNanoCpus(text: string): number {
  if (!/^[+]?(\d+(\.\d*)?|\.\d+)$/.test(text))
    throw new Error(`failed to parse ${text} as a rational number`);
  const [whole = '0', frac = ''] = text.replace(/^\+/, '').split('.');
  if (frac.replace(/0+$/, '').length > 9) throw new Error('value is too precise');
  return Number(whole) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9) || '0');
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's %.4g without exponent for the sizes we meet (< 1024 after scaling). */
function fourDigits(x: number): string {
  return String(Number(x.toPrecision(4)));
}

export function formatBytes(size: number): string {
  let s = size;
  let i = 0;
  while (s >= 1024 && i < BINARY.length - 1) {
    s /= 1024;
    i++;
  }
  return `${fourDigits(s)}${BINARY[i]}`;
}

/** NanoCPUs as a decimal number of CPUs (`0.5`, `2`). */
export function formatCpus(nano: number): string {
  return String(nano / 1e9);
}
