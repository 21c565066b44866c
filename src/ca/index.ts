/**
 * src/ca: the swarm's identity and trust. Above raft (the root key and join tokens are
 * cluster state the store replicates), below rpc (which calls verifyPeer/authorize on
 * every call). See docs/design/ca.md for the init / join / renew flows.
 *
 *   root.ts        the root CA: create, load and check, digest, Engine TLSInfo
 *   csr.ts         node side: a new key and its certificate signing request
 *   sign.ts        CA side: CSR -> node certificate (CN node id, OU role, O cluster id)
 *   node-cert.ts   reading a node certificate
 *   token.ts       join tokens SWMTKN-1-<root digest>-<secret>, rotation, admission
 *   verify.ts      is this peer one of us, and as what
 *   authorize.ts   which role may call which RPC
 *   renewal.ts     when to renew, how long to back off
 *   renewer.ts     CertificateRenewer: renews on time, on demand, on role change
 *   tls-store.ts   the node's certificates/ directory (atomic writes, sealed key)
 *   key-file.ts    the key file format (kek-version / kek-sealed headers)
 *   ephemeral.ts   an in-memory CA for demos and tests
 *   cross-sign.ts  root rotation's cross-signed intermediate; who issued a certificate
 *   rotation.ts    root rotation as states of the cluster's root: start, sign, progress, finish
 */
export * from './atomic-file.ts';
export * from './authorize.ts';
export * from './cross-sign.ts';
export * from './csr.ts';
export * from './ephemeral.ts';
export * from './errors.ts';
export * from './key-file.ts';
export * from './memory-files.ts';
export * from './names.ts';
export * from './node-cert.ts';
export * from './pem.ts';
export {
  ECDSA_P256,
  generateKeyPair,
  insecureRandomBytesFrom,
  privateKeyToPem,
  type RandomBytes,
  secureRandomBytes,
} from './pki.ts';
export * from './renewal.ts';
export * from './renewer.ts';
export * from './root.ts';
export * from './rotation.ts';
export * from './sign.ts';
export * from './tls-store.ts';
export * from './token.ts';
export * from './verify.ts';
