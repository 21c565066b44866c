/**
 * Standard base64 as Go's encoding/json decodes `[]byte` fields (secret and config data):
 * padding required, `\r` and `\n` skipped anywhere, and on failure the byte offset Go
 * reports in "illegal base64 data at input byte N". Returns the decoded length, which is
 * what the 500 KB / 1000 KB limits are about; the bytes themselves are not needed here.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map<number, number>([...ALPHABET].map((c, i) => [c.charCodeAt(0), i]));
const PAD = 0x3d; // '='
const isNewline = (b: number | undefined): boolean => b === 0x0a || b === 0x0d;

export type Base64Decode =
  | { readonly ok: true; readonly length: number }
  | { readonly ok: false; readonly offset: number };

/** One 4-character quantum from `si`: [next si, decoded bytes, error offset or -1]. */
function quantum(src: Uint8Array, start: number): [number, number, number] {
  let si = start;
  for (let j = 0; j < 4; j++) {
    if (si === src.length) return j === 0 ? [si, 0, -1] : [si, 0, si - j];
    const b = src[si++] as number;
    if (VALUE.has(b)) continue;
    if (isNewline(b)) {
      j--;
      continue;
    }
    if (b !== PAD || j < 2) return [si, 0, si - 1];
    if (j === 2) {
      while (isNewline(src[si])) si++;
      if (si === src.length) return [si, 0, src.length];
      if (src[si] !== PAD) return [si, 0, si - 1];
      si++;
    }
    while (isNewline(src[si])) si++;
    return [si, j - 1, si < src.length ? si : -1];
  }
  return [si, 3, -1];
}

export function decodeBase64(s: string): Base64Decode {
  const src = new TextEncoder().encode(s);
  let si = 0;
  let length = 0;
  while (si < src.length) {
    const [next, n, err] = quantum(src, si);
    if (err >= 0) return { ok: false, offset: err };
    length += n;
    if (n < 3 || next === si) break;
    si = next;
  }
  return { ok: true, length };
}
