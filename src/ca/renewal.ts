/**
 * When to renew a node certificate, and how long to wait after a failed attempt.
 *
 * Renewal happens at a uniformly random point between 50% and 80% of the certificate's
 * lifetime (notBefore..notAfter, backdate included), so a swarm whose nodes joined
 * together does not renew together (swarmkit calculateRandomExpiry). Failed attempts back
 * off exponentially like swarmkit's RenewTLSExponentialBackoff (base 5 s, factor 5 s, at
 * most 1 h: bound = base + factor * 2^(failures-1)); where go-events draws the wait from
 * [0, bound), we draw from [bound/2, bound) so a retry never fires at once.
 */
import type { Rng } from '../base/rng.ts';
import { RENEW_LOWER_FRACTION, RENEW_UPPER_FRACTION } from './names.ts';

export interface Validity {
  /** Epoch ms. */
  notBefore: number;
  notAfter: number;
}

/** The wall-clock time (epoch ms) at which to renew: notBefore + U[50%, 80%) of the life. */
export function renewalTime(cert: Validity, rng: Rng): number {
  const life = Math.max(0, cert.notAfter - cert.notBefore);
  const lo = life * RENEW_LOWER_FRACTION;
  const hi = life * RENEW_UPPER_FRACTION;
  return cert.notBefore + Math.floor(lo + rng.next() * (hi - lo));
}

/** How long from `now` (epoch ms) until renewal; 0 when that moment has passed. */
export function renewalDelay(cert: Validity, rng: Rng, now: number): number {
  return Math.max(0, renewalTime(cert, rng) - now);
}

export interface BackoffConfig {
  baseMs: number;
  factorMs: number;
  maxMs: number;
}

export const RENEWAL_BACKOFF: BackoffConfig = { baseMs: 5_000, factorMs: 5_000, maxMs: 3_600_000 };

/** The wait before the next attempt after `failures` consecutive failures (0: none). */
export function backoffDelay(failures: number, rng: Rng, cfg: BackoffConfig = RENEWAL_BACKOFF): number {
  if (failures <= 0) return 0;
  const bound = Math.min(cfg.maxMs, cfg.baseMs + cfg.factorMs * 2 ** Math.min(failures - 1, 40));
  return Math.floor(bound / 2 + rng.next() * (bound / 2));
}
