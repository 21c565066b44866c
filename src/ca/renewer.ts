/**
 * CertificateRenewer keeps a node's certificate fresh (swarmkit ca/renewer.go TLSRenewer).
 * It sleeps until the renewal point (renewal.ts), calls the supplied `renew()` (make a
 * CSR, ask the CA, store the result: the caller's job, with its own RPC deadlines), then
 * publishes the new material so TLS credentials can be swapped, and sleeps again. Failures
 * are published and retried with backoff; an expired certificate is renewed at once.
 *
 * `renewNow()` renews after a short pause (500 ms, giving the CA time to reconcile a role
 * change), and with `setExpectedRole()` it keeps retrying until the CA hands out a
 * certificate of that role: how a promoted or demoted node gets its new certificate.
 *
 * Owned: `dispose()` cancels the timer and ignores an attempt still in flight.
 */
import type { Clock, Timer } from '../base/clock.ts';
import { type Logger, nullLogger } from '../base/logger.ts';
import type { Disposable } from '../base/owner.ts';
import type { Rng } from '../base/rng.ts';
import type { NodeCertRole } from './names.ts';
import { type NodeCert, parseNodeCert } from './node-cert.ts';
import { type BackoffConfig, backoffDelay, RENEWAL_BACKOFF, renewalDelay } from './renewal.ts';

export interface NodeMaterial {
  certPem: string;
  keyPem: string;
}

export type RenewalEvent =
  | {
      kind: 'renewed';
      material: NodeMaterial;
      cert: NodeCert;
      /** False while a role is expected and this certificate has another one (retrying). */
      expectedRoleMet: boolean;
    }
  | { kind: 'failed'; error: unknown; failures: number; retryInMs: number };

export interface RenewerOptions {
  clock: Clock;
  rng: Rng;
  /** The certificate in use now, PEM. */
  certPem: string;
  /** Fetches (and stores) a new certificate and key. */
  renew: () => Promise<NodeMaterial>;
  logger?: Logger;
  backoff?: BackoffConfig;
  /** Pause before a forced renewal (default 500 ms, swarmkit's). */
  forcedPauseMs?: number;
}

export class CertificateRenewer implements Disposable {
  private cert: NodeCert;
  private timer: Timer | null = null;
  private due: number | null = null;
  private inFlight = false;
  private forced = false;
  private forceAgain = false;
  private failures = 0;
  private expectedRole: NodeCertRole | null = null;
  private disposed = false;
  private readonly listeners = new Set<(e: RenewalEvent) => void>();
  private readonly log: Logger;

  constructor(private readonly opts: RenewerOptions) {
    this.cert = parseNodeCert(opts.certPem);
    this.log = (opts.logger ?? nullLogger).child({ module: 'tls', 'node.id': this.cert.nodeId });
  }

  /** The certificate in use (the last one renewed). */
  get current(): NodeCert {
    return this.cert;
  }

  /** When the next attempt is due, on the injected clock's `now()`; null when none. */
  get nextAttemptAt(): number | null {
    return this.due;
  }

  subscribe(listener: (e: RenewalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.timer === null && !this.inFlight) this.schedule();
  }

  /** Renew soon, and keep retrying (with backoff) until it succeeds. */
  renewNow(): void {
    if (this.disposed) return;
    this.forced = true;
    if (this.inFlight) {
      this.forceAgain = true;
      return;
    }
    this.arm(this.opts.forcedPauseMs ?? 500);
  }

  /** The role the next certificates must have (null: any); renewals retry until it matches. */
  setExpectedRole(role: NodeCertRole | null): void {
    this.expectedRole = role;
  }

  dispose(): void {
    this.disposed = true;
    this.timer?.cancel();
    this.timer = null;
    this.due = null;
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.disposed) return;
    const now = this.opts.clock.wallNow();
    const retrying = this.forced || now >= this.cert.notAfter;
    if (retrying && now >= this.cert.notAfter) this.log.warn({}, 'the current TLS certificate is expired');
    const delay = retrying
      ? backoffDelay(this.failures, this.opts.rng, this.opts.backoff ?? RENEWAL_BACKOFF)
      : renewalDelay(this.cert, this.opts.rng, now);
    this.arm(delay);
  }

  private arm(delay: number): void {
    this.timer?.cancel();
    this.due = this.opts.clock.now() + delay;
    this.log.debug({ delayMs: delay }, 'next certificate renewal scheduled');
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = null;
      this.due = null;
      void this.attempt();
    }, delay);
  }

  private async attempt(): Promise<void> {
    if (this.disposed) return;
    this.inFlight = true;
    this.log.info({}, this.forced ? 'forced certificate renewal' : 'renewing certificate');
    let event: RenewalEvent;
    try {
      const material = await this.opts.renew();
      const cert = parseNodeCert(material.certPem);
      if (this.disposed) return;
      this.cert = cert;
      const met = this.expectedRole === null || cert.role === this.expectedRole;
      if (met) {
        this.failures = 0;
        this.forced = false;
      } else {
        this.failures++;
      }
      event = { kind: 'renewed', material, cert, expectedRoleMet: met };
    } catch (error) {
      if (this.disposed) return;
      this.failures++;
      this.log.error({ err: String(error) }, 'failed to renew the certificate');
      event = { kind: 'failed', error, failures: this.failures, retryInMs: 0 };
    } finally {
      this.inFlight = false;
    }
    // A failed attempt, or a certificate of the wrong role, is retried with backoff.
    if (event.kind === 'failed' || !event.expectedRoleMet) this.forced = true;
    if (this.forceAgain) {
      this.forceAgain = false;
      this.forced = true;
      this.arm(this.opts.forcedPauseMs ?? 500);
    } else {
      this.schedule();
    }
    if (event.kind === 'failed') event.retryInMs = Math.max(0, (this.due ?? 0) - this.opts.clock.now());
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        this.log.error({ err: String(e) }, 'a renewal listener failed');
      }
    }
  }
}
