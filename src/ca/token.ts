/**
 * Join tokens in Docker's format (swarmkit ca/config.go GenerateJoinToken/ParseJoinToken):
 *
 *   SWMTKN-1-<root digest>-<secret>
 *
 * <root digest> is the SHA-256 of the root CA's PEM bytes as a number in base 36, zero-
 * padded to 50 characters; <secret> is 16 random bytes in base 36, zero-padded to 25. The
 * digest lets a joining node check the root CA it downloads BEFORE trusting anything (a
 * CA in the middle cannot match it); the secret is what admits the node, with the role of
 * whichever token it matches. `join-token --rotate` replaces a token: the CA compares the
 * whole presented token with the current ones only, so old tokens stop admitting new nodes
 * while nodes already joined keep their certificates. Version 2 (`SWMTKN-2-<0|1>-...`,
 * FIPS) is parsed too but never generated.
 */
import { timingSafeEqual } from 'node:crypto';
import { JoinTokenError } from './errors.ts';
import { MANAGER_ROLE, type NodeCertRole, WORKER_ROLE } from './names.ts';
import { type RandomBytes, secureRandomBytes } from './pki.ts';
import { rootDigest } from './root.ts';

const DIGEST_LEN = 50; // ceil(log36(2^256))
const SECRET_LEN = 25; // ceil(log36(2^128))
const SECRET_BYTES = 16;

export interface ParsedJoinToken {
  version: 1 | 2;
  /** The root CA digest, 64 lower-case hex characters. */
  digest: string;
  /** The secret part, 25 base-36 characters. */
  secret: string;
  fips: boolean;
}

/** The swarm's current tokens, as `docker swarm join-token` shows them. */
export interface JoinTokens {
  worker: string;
  manager: string;
}

function bytesToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
}

function base36ToBigInt(s: string): bigint | null {
  let n = 0n;
  for (const ch of s.toLowerCase()) {
    const d = Number.parseInt(ch, 36);
    if (Number.isNaN(d)) return null;
    n = n * 36n + BigInt(d);
  }
  return n;
}

/** A new token for the root CA whose PEM is `rootCertPem`. */
export function generateJoinToken(rootCertPem: string, random: RandomBytes = secureRandomBytes): string {
  const digest = BigInt(`0x${rootDigest(rootCertPem)}`)
    .toString(36)
    .padStart(DIGEST_LEN, '0');
  const secret = bytesToBigInt(random(SECRET_BYTES)).toString(36).padStart(SECRET_LEN, '0');
  return `SWMTKN-1-${digest}-${secret}`;
}

/** Parses a token; throws JoinTokenError("invalid join token") if it is not one. */
export function parseJoinToken(token: string): ParsedJoinToken {
  const parts = token.split('-');
  if (parts.length < 4 || parts[0] !== 'SWMTKN') throw new JoinTokenError();
  let version: 1 | 2;
  let fips = false;
  if (parts[1] === '1' && parts.length === 4) version = 1;
  else if (parts[1] === '2' && parts.length === 5 && (parts[2] === '0' || parts[2] === '1')) {
    version = 2;
    fips = parts[2] === '1';
  } else throw new JoinTokenError();
  const secret = parts[parts.length - 1] as string;
  const digest36 = parts[parts.length - 2] as string;
  if (digest36.length !== DIGEST_LEN || secret.length !== SECRET_LEN) throw new JoinTokenError();
  const n = base36ToBigInt(digest36);
  if (n === null || n >= 1n << 256n || base36ToBigInt(secret) === null) throw new JoinTokenError();
  return { version, digest: n.toString(16).padStart(64, '0'), secret: secret.toLowerCase(), fips };
}

export type RootCheck = { ok: true } | { ok: false; reason: 'fingerprint_mismatch'; message: string };

/**
 * The joining node's first check: does the root CA it was served match the token's digest?
 * Refuses with swarmkit's message (GetRemoteCA). Throws JoinTokenError for a malformed token.
 */
export function checkRootAgainstToken(token: string, rootCertPem: string): RootCheck {
  const expected = parseJoinToken(token).digest;
  if (rootDigest(rootCertPem) === expected) return { ok: true };
  return {
    ok: false,
    reason: 'fingerprint_mismatch',
    message: `remote CA does not match fingerprint. Expected: ${expected}`,
  };
}

/** True when the token names this root CA (false for a malformed token). */
export function tokenMatchesRoot(token: string, rootCertPem: string): boolean {
  try {
    return checkRootAgainstToken(token, rootCertPem).ok;
  } catch {
    return false;
  }
}

export function createJoinTokens(rootCertPem: string, random: RandomBytes = secureRandomBytes): JoinTokens {
  return { worker: generateJoinToken(rootCertPem, random), manager: generateJoinToken(rootCertPem, random) };
}

/** `docker swarm join-token --rotate worker|manager`: new secrets for the roles asked. */
export function rotateJoinTokens(
  current: JoinTokens,
  rotate: { worker?: boolean; manager?: boolean },
  rootCertPem: string,
  random: RandomBytes = secureRandomBytes,
): JoinTokens {
  return {
    worker: rotate.worker ? generateJoinToken(rootCertPem, random) : current.worker,
    manager: rotate.manager ? generateJoinToken(rootCertPem, random) : current.manager,
  };
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type TokenRole = { ok: true; role: NodeCertRole } | { ok: false; message: string };

/**
 * The CA's admission decision for a node presenting `token` (swarmkit IssueNodeCertificate):
 * the role of the current token it equals, compared in constant time, or Docker's refusal.
 */
export function roleForToken(token: string, current: JoinTokens): TokenRole {
  if (sameString(token, current.manager)) return { ok: true, role: MANAGER_ROLE };
  if (sameString(token, current.worker)) return { ok: true, role: WORKER_ROLE };
  return { ok: false, message: 'A valid join token is necessary to join this cluster' };
}
