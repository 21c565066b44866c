/**
 * PEM blocks the way Go's encoding/pem writes them: `-----BEGIN TYPE-----`, optional
 * `Key: value` headers then a blank line, base64 in 64-character lines, `-----END TYPE-----`
 * and a final newline. Docker's key file carries headers (`kek-version`, `raft-dek`), which
 * OpenSSL (and so node:tls) refuses, so readers strip them before handing a key to TLS.
 */
import { CertificateError } from './errors.ts';

export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Uint8Array;
}

/** Encodes one block. Headers are written sorted, like Go (which puts Proc-Type first). */
export function encodePem(type: string, bytes: Uint8Array, headers: Record<string, string> = {}): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines: string[] = [`-----BEGIN ${type}-----`];
  const keys = Object.keys(headers).sort((a, b) =>
    a === 'Proc-Type' ? -1 : b === 'Proc-Type' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const k of keys) lines.push(`${k}: ${headers[k]}`);
  if (keys.length > 0) lines.push('');
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${type}-----`);
  return `${lines.join('\n')}\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order; text outside blocks is ignored (as Go does). */
export function decodePemAll(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const type = m[1] as string;
    const body = (m[2] as string).split(/\r?\n/);
    const headers: Record<string, string> = {};
    let i = 0;
    for (; i < body.length; i++) {
      const line = body[i] as string;
      const colon = line.indexOf(':');
      if (colon < 0) break;
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    const b64 = body.slice(i).join('').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new CertificateError(`invalid PEM-encoded ${type}`);
    out.push({ type, headers, bytes: new Uint8Array(Buffer.from(b64, 'base64')) });
  }
  return out;
}

/** The first block of `type` in `text`; a CertificateError if there is none. */
export function decodePem(text: string, type: string): PemBlock {
  const block = decodePemAll(text).find((b) => b.type === type);
  if (block === undefined) throw new CertificateError(`invalid PEM-encoded ${type.toLowerCase()}`);
  return block;
}
