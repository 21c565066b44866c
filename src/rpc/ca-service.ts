/**
 * The CA service (proto/shoal/ca/v1/ca.proto): how nodes get and renew certificates. It
 * only carries calls; the decisions are a CaBackend's, which the daemon builds on the CA
 * library (src/ca): check the join token or the renewing certificate, sign the CSR with
 * the role and a node id, record the node.
 *
 *   joining node (no certificate)            manager
 *     GetRootCACertificate ───────────────▶  backend.rootCaCertificate()
 *       (checks the digest in its token)
 *     IssueNodeCertificate {csr, token} ───▶  backend.issueNodeCertificate(req, {peer: undefined})
 *     ◀── {nodeId, role, status: issued + chain | pending}
 *     NodeCertificateStatus {nodeId} ──────▶  backend.nodeCertificateStatus (pending only)
 *   renewing node (its certificate)
 *     IssueNodeCertificate {csr} ──────────▶  backend.issueNodeCertificate(req, {peer})
 *
 * Expected refusals (bad token, unknown node) are values the backend returns; they become
 * gRPC statuses with the backend's text. A backend that throws is a bug: INTERNAL.
 */
import * as grpc from '@grpc/grpc-js';
import type { NodeAvailability, NodeRole } from '../api/node.ts';
import type { Logger } from '../base/logger.ts';
import {
  type CAServer,
  IssuanceState,
  type NodeCAServer,
  NodeAvailability as PbAvailability,
  type CertificateStatus as PbStatus,
} from '../gen/shoal/ca/v1/ca.ts';
import { peerOf } from './gate.ts';
import type { PeerIdentity } from './identity.ts';
import { peerHost, refuse } from './status.ts';

export interface IssueRequest {
  csrPem: string;
  /** The join token; undefined when renewing. */
  token?: string;
  availability?: NodeAvailability;
  /** The address the node asks to be reached at; undefined: `caller.remoteAddr`. */
  addr?: string;
}

export interface CaCaller {
  /** The verified client certificate (renewal), undefined for a node joining. */
  peer: PeerIdentity | undefined;
  /** The host the call came from. */
  remoteAddr: string;
}

export type CertificateStatus =
  | { state: 'pending' }
  | { state: 'issued'; certificateChainPem: string }
  | { state: 'failed'; error: string };

export type CaRefusalCode =
  | 'invalid_argument'
  | 'permission_denied'
  | 'not_found'
  | 'failed_precondition'
  | 'unavailable';

export interface CaRefusal {
  ok: false;
  code: CaRefusalCode;
  /** Shown to the user (`docker swarm join` prints it). */
  message: string;
}

export type IssueOutcome =
  | { ok: true; nodeId: string; role: NodeRole; status: CertificateStatus }
  | CaRefusal;

export type StatusOutcome = { ok: true; status: CertificateStatus } | CaRefusal;

export interface CaBackend {
  /** The root CA certificate(s), PEM. */
  rootCaCertificate(): Promise<string>;
  issueNodeCertificate(req: IssueRequest, caller: CaCaller): Promise<IssueOutcome>;
  /** Optional: only a backend that can answer `pending` needs it. */
  nodeCertificateStatus?(nodeId: string, caller: CaCaller): Promise<StatusOutcome>;
}

const REFUSAL_STATUS: Record<CaRefusalCode, grpc.status> = {
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  permission_denied: grpc.status.PERMISSION_DENIED,
  not_found: grpc.status.NOT_FOUND,
  failed_precondition: grpc.status.FAILED_PRECONDITION,
  unavailable: grpc.status.UNAVAILABLE,
};

const AVAILABILITY: Partial<Record<PbAvailability, NodeAvailability>> = {
  [PbAvailability.NODE_AVAILABILITY_ACTIVE]: 'active',
  [PbAvailability.NODE_AVAILABILITY_PAUSE]: 'pause',
  [PbAvailability.NODE_AVAILABILITY_DRAIN]: 'drain',
};

export function statusToPb(s: CertificateStatus): PbStatus {
  if (s.state === 'issued')
    return {
      state: IssuanceState.ISSUANCE_STATE_ISSUED,
      certificateChainPem: s.certificateChainPem,
      error: '',
    };
  if (s.state === 'failed')
    return { state: IssuanceState.ISSUANCE_STATE_FAILED, certificateChainPem: '', error: s.error };
  return { state: IssuanceState.ISSUANCE_STATE_PENDING, certificateChainPem: '', error: '' };
}

/** The two services (swarmkit's CA and NodeCA) over one backend. */
export function caServices(backend: CaBackend, logger: Logger): { ca: CAServer; nodeCa: NodeCAServer } {
  const log = logger.child({ service: 'ca' });
  const caller = (call: grpc.ServerUnaryCall<unknown, unknown>): CaCaller => ({
    peer: peerOf(call),
    remoteAddr: peerHost(call.getPeer()),
  });
  /** Runs `fn`, answering its value, its refusal, or INTERNAL for a throw. */
  function answer<R>(
    callback: grpc.sendUnaryData<R>,
    method: string,
    fn: () => Promise<{ ok: true; value: R } | CaRefusal>,
  ): void {
    fn().then(
      (r) => (r.ok ? callback(null, r.value) : callback(refuse(REFUSAL_STATUS[r.code], r.message))),
      (e: unknown) => {
        log.error({ method, error: String(e) }, 'CA backend failed');
        callback(refuse(grpc.status.INTERNAL, `certificate authority error: ${(e as Error).message ?? e}`));
      },
    );
  }

  const ca: CAServer = {
    getRootCaCertificate(_call, callback) {
      answer(callback, 'GetRootCACertificate', async () => ({
        ok: true,
        value: { certificatePem: await backend.rootCaCertificate() },
      }));
    },
  };
  const nodeCa: NodeCAServer = {
    issueNodeCertificate(call, callback) {
      const r = call.request;
      const req: IssueRequest = { csrPem: r.csrPem };
      if (r.token !== '') req.token = r.token;
      if (r.addr !== '') req.addr = r.addr;
      const availability = AVAILABILITY[r.availability];
      if (availability !== undefined) req.availability = availability;
      const who = caller(call);
      answer(callback, 'IssueNodeCertificate', async () => {
        const out = await backend.issueNodeCertificate(req, who);
        if (!out.ok) {
          log.info(
            { node: who.peer?.nodeId, remote: who.remoteAddr, reason: out.message },
            'certificate refused',
          );
          return out;
        }
        log.info(
          { node: out.nodeId, role: out.role, renewal: who.peer !== undefined },
          'certificate requested',
        );
        return { ok: true, value: { nodeId: out.nodeId, role: out.role, status: statusToPb(out.status) } };
      });
    },
    nodeCertificateStatus(call, callback) {
      const status = backend.nodeCertificateStatus?.bind(backend);
      if (status === undefined) {
        callback(refuse(grpc.status.UNIMPLEMENTED, 'this CA issues certificates at once'));
        return;
      }
      answer(callback, 'NodeCertificateStatus', async () => {
        const out = await status(call.request.nodeId, caller(call));
        return out.ok ? { ok: true, value: { status: statusToPb(out.status) } } : out;
      });
    },
  };
  return { ca, nodeCa };
}
