/**
 * A minimal ustar writer: what PUT /containers/{id}/archive needs to place files with an
 * exact owner and mode (secrets, configs). Directories and regular files only.
 */
export interface TarEntry {
  /** Relative path; directories end without a slash. */
  path: string;
  type: 'file' | 'dir';
  mode: number;
  uid?: number;
  gid?: number;
  data?: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function splitName(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).length <= 100) return { name: path, prefix: '' };
  const cut = path.lastIndexOf('/', 155);
  const name = path.slice(cut + 1);
  const prefix = path.slice(0, cut);
  if (cut <= 0 || encoder.encode(name).length > 100 || encoder.encode(prefix).length > 155)
    throw new Error(`path too long for a tar header: ${path}`);
  return { name, prefix };
}

function header(e: TarEntry, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (s: string, at: number) => h.set(encoder.encode(s), at);
  const { name, prefix } = splitName(e.type === 'dir' ? `${e.path}/` : e.path);
  put(name, 0);
  put(octal(e.mode & 0o7777, 8), 100);
  put(octal(e.uid ?? 0, 8), 108);
  put(octal(e.gid ?? 0, 8), 116);
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('        ', 148); // checksum is computed with its own field as spaces
  put(e.type === 'dir' ? '5' : '0', 156);
  put('ustar\0', 257);
  put('00', 263);
  put(prefix, 345);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** The archive holding `entries`, in order. */
export function tar(entries: readonly TarEntry[], mtimeSeconds = 0): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.type === 'file' ? (e.data ?? new Uint8Array()) : new Uint8Array();
    parts.push(header(e, data.length, mtimeSeconds));
    if (data.length > 0) {
      parts.push(data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(parts);
}
