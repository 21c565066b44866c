/**
 * The CA's domain errors. Each has a stable `code` (the HTTP/RPC layers map codes to
 * statuses) and, where Docker has one, Docker's message word for word, because users and
 * scripts grep for them. Refusals that are expected outcomes (a peer that is not ours, a
 * token that does not match) are values elsewhere (verify.ts, token.ts); these classes are
 * for inputs a caller must reject or report.
 */
import { type ErrorCode, ShoalError } from '../base/errors.ts';

/** A join token that is not `SWMTKN-1-<digest>-<secret>` (swarmkit ca/config.go). */
export class JoinTokenError extends ShoalError {
  constructor(message = 'invalid join token') {
    super('invalid_argument', message);
  }
}

/** A certificate signing request the CA will not sign. */
export class CsrError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_argument', message, options);
  }
}

/** A certificate, key or PEM block that cannot be parsed or does not fit its use. */
export class CertificateError extends ShoalError {
  constructor(message: string, code: ErrorCode = 'invalid_argument', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The node's TLS key on disk is sealed with a key-encryption key and no cipher was given
 * to open it, or the cipher failed: Docker's "swarm is locked" situation.
 */
export class TlsKeyLockedError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('failed_precondition', message, options);
  }
}

/** The TLS material on disk is damaged (unparsable, or the key does not match the cert). */
export class TlsStoreCorruptError extends ShoalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupt', message, options);
  }
}
