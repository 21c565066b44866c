/**
 * The node's end of the CA service: fetch the root, ask for a certificate (join or
 * renewal), poll a pending one. Outcomes are values: `{ok: false, error}` carries an
 * RpcError whose text is the manager's ("A valid join token is necessary...") and whose
 * code says whether trying another manager could help ('unavailable').
 *
 * fetchRootCa is the one call made without verifying the server: a joining node does not
 * know the cluster's root yet. Its caller must check the answer against the root digest
 * in the join token before trusting it (the CA library's job), as swarmkit does.
 */
import * as grpc from '@grpc/grpc-js';
import type { NodeRole } from '../api/node.ts';
import { type Clock, realClock } from '../base/clock.ts';
import {
  CAClient,
  type GetRootCACertificateResponse,
  IssuanceState,
  type IssueNodeCertificateResponse,
  NodeCAClient,
  type NodeCertificateStatusResponse,
  NodeAvailability as PbAvailability,
  type CertificateStatus as PbStatus,
} from '../gen/shoal/ca/v1/ca.ts';
import type { CertificateStatus, IssueRequest } from './ca-service.ts';
import type { RpcChannels } from './channels.ts';
import { MANAGER_ROLE } from './identity.ts';
import { channelOptions, tuning } from './options.ts';
import { type RpcError, rpcErrorFrom } from './status.ts';

export type CaResult<T> = { ok: true; value: T } | { ok: false; error: RpcError };

export interface IssuedNode {
  nodeId: string;
  role: NodeRole;
  status: CertificateStatus;
}

const PB_AVAILABILITY = {
  active: PbAvailability.NODE_AVAILABILITY_ACTIVE,
  pause: PbAvailability.NODE_AVAILABILITY_PAUSE,
  drain: PbAvailability.NODE_AVAILABILITY_DRAIN,
} as const;

export function statusFromPb(s: PbStatus | undefined): CertificateStatus {
  if (s?.state === IssuanceState.ISSUANCE_STATE_ISSUED)
    return { state: 'issued', certificateChainPem: s.certificateChainPem };
  if (s?.state === IssuanceState.ISSUANCE_STATE_FAILED) return { state: 'failed', error: s.error };
  return { state: 'pending' };
}

type Callback<Res> = (e: grpc.ServiceError | null, r: Res) => void;

/** Runs one unary call (`start` issues it with the metadata, options and callback given). */
function call<Res>(
  deadline: Date,
  what: string,
  start: (md: grpc.Metadata, o: Partial<grpc.CallOptions>, cb: Callback<Res>) => unknown,
): Promise<CaResult<Res>> {
  return new Promise((resolve) => {
    start(new grpc.Metadata(), { deadline }, (e, r) =>
      resolve(e === null ? { ok: true, value: r } : { ok: false, error: rpcErrorFrom(e, what) }),
    );
  });
}

export interface CaClientOptions {
  /** Per call (default 10 s). */
  timeoutMs?: number;
  clock?: Clock;
}

export class CaClient {
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly channels: RpcChannels,
    opts: CaClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.clock = opts.clock ?? realClock;
  }

  rootCaCertificate(addr: string): Promise<CaResult<string>> {
    const c = this.client(addr);
    return call<GetRootCACertificateResponse>(
      this.deadline(),
      `GetRootCACertificate at ${addr}`,
      (md, o, cb) => c.getRootCaCertificate({}, md, o, cb),
    ).then((r) => (r.ok ? { ok: true, value: r.value.certificatePem } : r));
  }

  async issueNodeCertificate(addr: string, req: IssueRequest): Promise<CaResult<IssuedNode>> {
    const c = this.nodeCa(addr);
    const pb = {
      csrPem: req.csrPem,
      token: req.token ?? '',
      availability: req.availability
        ? PB_AVAILABILITY[req.availability]
        : PbAvailability.NODE_AVAILABILITY_UNSPECIFIED,
      addr: req.addr ?? '',
    };
    const r = await call<IssueNodeCertificateResponse>(
      this.deadline(),
      `IssueNodeCertificate at ${addr}`,
      (md, o, cb) => c.issueNodeCertificate(pb, md, o, cb),
    );
    if (!r.ok) return r;
    const role: NodeRole = r.value.role === 'manager' ? 'manager' : 'worker';
    return { ok: true, value: { nodeId: r.value.nodeId, role, status: statusFromPb(r.value.status) } };
  }

  async nodeCertificateStatus(addr: string, nodeId: string): Promise<CaResult<CertificateStatus>> {
    const c = this.nodeCa(addr);
    const r = await call<NodeCertificateStatusResponse>(
      this.deadline(),
      `NodeCertificateStatus at ${addr}`,
      (md, o, cb) => c.nodeCertificateStatus({ nodeId }, md, o, cb),
    );
    return r.ok ? { ok: true, value: statusFromPb(r.value.status) } : r;
  }

  private client(addr: string): CAClient {
    return this.channels.client(addr, CAClient);
  }

  private nodeCa(addr: string): NodeCAClient {
    return this.channels.client(addr, NodeCAClient);
  }

  private deadline(): Date {
    return new Date(this.clock.wallNow() + this.timeoutMs);
  }
}

/**
 * The root CA certificate from the manager at `addr`, WITHOUT verifying the server (the
 * caller has nothing to verify it with yet) and without a client certificate. Check the
 * answer against the join token's digest before using it.
 */
export async function fetchRootCa(
  addr: string,
  opts: { timeoutMs?: number; clock?: Clock; serverName?: string } = {},
): Promise<CaResult<string>> {
  const creds = grpc.credentials.createSsl(null, null, null, {
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const client = new CAClient(addr, creds, channelOptions(tuning(), opts.serverName ?? MANAGER_ROLE));
  try {
    const deadline = new Date((opts.clock ?? realClock).wallNow() + (opts.timeoutMs ?? 10_000));
    const r = await call<GetRootCACertificateResponse>(
      deadline,
      `GetRootCACertificate at ${addr}`,
      (md, o, cb) => client.getRootCaCertificate({}, md, o, cb),
    );
    return r.ok ? { ok: true, value: r.value.certificatePem } : r;
  } finally {
    client.close();
  }
}
