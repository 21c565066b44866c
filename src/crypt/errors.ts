/**
 * The errors of encryption at rest. Where Docker has a message for the same situation
 * the text is Docker's, word for word, and `httpStatus` is the status the Engine API
 * answers with (moby daemon/cluster/errors.go, swarmkit manager/encryption):
 *
 *   malformed unlock key      "invalid key string"                                   400
 *   wrong unlock key          "swarm could not be unlocked: invalid key provided"   401
 *   locked, key needed        "Swarm is encrypted and needs to be unlocked ..."     503
 *   unlock when not locked    "swarm is not locked"                                  409
 *
 * SealedDataError is what `open` throws for bytes it will not return: damaged, altered,
 * sealed with a key this node does not hold, or not sealed at all. Raft storage turns it
 * into a CorruptionError naming the file and offset.
 */
import { type ErrorCode, ShoalError } from '../base/errors.ts';

export class CryptError extends ShoalError {
  constructor(
    code: ErrorCode,
    message: string,
    /** The status Docker's Engine API answers with for the same failure. */
    readonly httpStatus: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** The unlock key is not `SWMKEY-1-` followed by 32 bytes in unpadded standard base64. */
export class InvalidUnlockKeyFormatError extends CryptError {
  constructor() {
    super('invalid_argument', 'invalid key string', 400);
  }
}

/** The unlock key is well formed but does not open this node's keys. */
export class InvalidUnlockKeyError extends CryptError {
  constructor(options?: { cause?: unknown }) {
    super('invalid_argument', 'swarm could not be unlocked: invalid key provided', 401, options);
  }
}

/** Autolock is on and no unlock key was given since the daemon started. */
export class SwarmLockedError extends CryptError {
  constructor() {
    super(
      'unavailable',
      'Swarm is encrypted and needs to be unlocked before it can be used. ' +
        'Please use "docker swarm unlock" to unlock it.',
      503,
    );
  }
}

/** `unlock` on a node whose keys are already available. */
export class NotLockedError extends CryptError {
  constructor() {
    super('conflict', 'swarm is not locked', 409);
  }
}

/** Sealed bytes that will not open: damaged, altered, another key, or not sealed. */
export class SealedDataError extends CryptError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corrupt', `sealed data: ${message}`, 500, options);
  }
}

/** The key file of a data directory is damaged or of an unknown format. */
export class KeyFileError extends CryptError {
  constructor(path: string, why: string, options?: { cause?: unknown }) {
    super('corrupt', `key file ${path}: ${why}`, 500, options);
  }
}
