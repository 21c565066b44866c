/**
 * Reading a request the way moby's httputils does:
 *
 *   body      CheckForJSON (a body needs Content-Type application/json), an empty body is
 *             no body, `invalid JSON: ...` for what does not parse, `unexpected content
 *             after JSON`; Go's nulls are then stripped (a Go client sends `null` for nil
 *             slices, maps and pointers: "ConfigFrom": null)
 *   booleans  BoolValue (flags such as force, follow: anything but "", 0, no, false, none)
 *             and strconv.ParseBool (insertDefaults, status: a bad value is an error)
 *   versions  ?version= parsed as strconv.ParseUint, with the route's own words
 */
import type { IncomingMessage } from 'node:http';
import { goQuote } from '../api/validate/go-format.ts';
import { invalidParameter } from './errors.ts';

/** Largest body accepted (a service spec is a few KB; a config may hold 1000 KB of base64). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw invalidParameter(`request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Sets an own property, even one named `__proto__` (a label key is data). */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Removes `null` members and array items, recursively (Go's nil is "absent" to us). */
export function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(stripNulls);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setOwn(out, k, stripNulls(x));
  return out;
}

function checkJsonContentType(req: IncomingMessage, hasBody: boolean): void {
  const ct = req.headers['content-type'];
  if (ct === undefined || ct === '') {
    if (!hasBody) return;
    throw invalidParameter('malformed Content-Type header (): mime: no media type');
  }
  const mime = ct.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mime !== 'application/json') {
    throw invalidParameter(`unsupported Content-Type header (${ct}): must be 'application/json'`);
  }
}

/** The decoded JSON body (nulls stripped), or undefined when there is none. */
export function decodeJson(req: IncomingMessage, raw: Buffer): unknown {
  checkJsonContentType(req, raw.length > 0);
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (text.trim() === '') throw invalidParameter('invalid JSON: got EOF while reading request body');
  try {
    return stripNulls(JSON.parse(text));
  } catch (e) {
    const msg = (e as Error).message;
    // JSON.parse does not tell "one value, then more" apart; Go does.
    if (/Unexpected non-whitespace character after JSON/.test(msg)) {
      throw invalidParameter('unexpected content after JSON');
    }
    throw invalidParameter(`invalid JSON: ${msg}`);
  }
}

/** moby httputils.BoolValue. */
export function boolValue(q: URLSearchParams, key: string): boolean {
  const s = (q.get(key) ?? '').trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** strconv.ParseBool: the value, or undefined for what it refuses. */
export function parseGoBool(v: string): boolean | undefined {
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

/**
 * strconv.ParseBool for an optional parameter (absent or empty: false); a bad value is
 * `invalid value for <key>: <value>: strconv.ParseBool: parsing "<value>": invalid syntax`.
 */
export function strictBool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '') return false;
  const b = parseGoBool(v);
  if (b !== undefined) return b;
  throw invalidParameter(
    `invalid value for ${key}: ${v}: strconv.ParseBool: parsing ${goQuote(v)}: invalid syntax`,
  );
}

/** strconv.ParseUint(s, 10, 64)'s failure text, or the value. */
export function parseUint(s: string): { ok: true; value: number } | { ok: false; error: string } {
  if (!/^[0-9]+$/.test(s)) {
    return { ok: false, error: `strconv.ParseUint: parsing ${goQuote(s)}: invalid syntax` };
  }
  const n = BigInt(s);
  if (n > 18446744073709551615n) {
    return { ok: false, error: `strconv.ParseUint: parsing ${goQuote(s)}: value out of range` };
  }
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    // A real index never gets there; refuse rather than round to a different version.
    return { ok: false, error: `strconv.ParseUint: parsing ${goQuote(s)}: value out of range` };
  }
  return { ok: true, value: Number(n) };
}

/**
 * `?version=` of an update. moby words it per route: `invalid service version '<v>': <err>`
 * (service, node, swarm) or just `invalid secret version` (secret, config).
 */
export function versionParam(q: URLSearchParams, kind: 'service' | 'node' | 'swarm' | 'secret' | 'config') {
  const raw = q.get('version') ?? '';
  const r = parseUint(raw);
  if (r.ok) return r.value;
  if (kind === 'secret' || kind === 'config') throw invalidParameter(`invalid ${kind} version`);
  throw invalidParameter(`invalid ${kind} version '${raw}': ${r.error}`);
}
