/**
 * The CA's fixed names and durations, as swarmkit defines them (ca/config.go,
 * ca/certificates.go): the root's CN, the role names carried in a node certificate's OU
 * (and used as DNS SANs so peers can be dialed by role), file names in the data
 * directory, and the expiry/backdate/renewal constants.
 */
import { MIN_NODE_CERT_EXPIRY_NS } from '../api/cluster.ts';
import type { NodeRole } from '../api/node.ts';
import { goDuration } from '../api/validate/go-format.ts';

/** The root CA's common name (swarmkit DefaultRootCN). */
export const ROOT_CN = 'swarm-ca';
/** The OU (and DNS SAN) of a manager's certificate. */
export const MANAGER_ROLE = 'swarm-manager';
/** The OU (and DNS SAN) of a worker's certificate. */
export const WORKER_ROLE = 'swarm-worker';
/** The DNS SAN managers also carry, so a joining node can dial "the CA" (swarmkit CARole). */
export const CA_ROLE = 'swarm-ca';

export type NodeCertRole = typeof MANAGER_ROLE | typeof WORKER_ROLE;

export function isNodeCertRole(s: string): s is NodeCertRole {
  return s === MANAGER_ROLE || s === WORKER_ROLE;
}

/** The certificate role of an API node role (`manager` -> `swarm-manager`). */
export function certRoleOf(role: NodeRole): NodeCertRole {
  return role === 'manager' ? MANAGER_ROLE : WORKER_ROLE;
}

/** The API node role of a certificate role (`swarm-worker` -> `worker`). */
export function apiRoleOf(role: NodeCertRole): NodeRole {
  return role === MANAGER_ROLE ? 'manager' : 'worker';
}

const HOUR = 3600 * 1000;

/** Node certificates last 90 days unless the cluster says otherwise (2160h). */
export const DEFAULT_NODE_CERT_EXPIRY_MS = 2160 * HOUR;
/** The shortest node certificate lifetime a cluster may ask for (see api/cluster.ts). */
export const MIN_NODE_CERT_EXPIRY_MS = MIN_NODE_CERT_EXPIRY_NS / 1_000_000;
/** Docker's refusal of a shorter one (Go prints time.Hour as 1h0m0s). */
export const MIN_EXPIRY_MESSAGE = `minimum certificate expiry time is: ${goDuration(MIN_NODE_CERT_EXPIRY_NS)}`;
/** Certificates start this long before issue, to tolerate clocks that run behind. */
export const CERT_BACKDATE_MS = HOUR;

/**
 * The backdate of a certificate of lifetime `expiryMs`: an hour, except for the short
 * lifetimes only tests allow, where it is a tenth of the lifetime (else renewal, timed on
 * the whole notBefore..notAfter span, would be due at once).
 */
export function backdateFor(expiryMs: number): number {
  return expiryMs < HOUR ? expiryMs / 10 : CERT_BACKDATE_MS;
}
/** The root CA lasts 20 years (swarmkit RootCAExpiration = 630720000s). */
export const ROOT_CA_EXPIRY_MS = 630_720_000 * 1000;
/** Renewal happens at a random point between these fractions of a certificate's life. */
export const RENEW_LOWER_FRACTION = 0.5;
export const RENEW_UPPER_FRACTION = 0.8;

/** File names under `<data-root>/certificates/`, as Docker names them. */
export const ROOT_CA_CERT_FILE = 'swarm-root-ca.crt';
export const NODE_CERT_FILE = 'swarm-node.crt';
export const NODE_KEY_FILE = 'swarm-node.key';

/** Node ids and cluster ids that may appear in a certificate subject. */
export function isCertName(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s);
}
