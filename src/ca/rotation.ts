/**
 * Root CA rotation as a state of the cluster's root (swarmkit RootCA.RootRotation,
 * controlapi validateCAConfig, the root rotation reconciler), without any I/O:
 *
 *   RootCA {old}  ── CAConfig.ForceRotate changed, or a new signing cert+key ──►
 *   RootCA {old, RootRotation {new cert, new key, new key cross-signed by old}}
 *        CA signs with the new key, chain = leaf + cross-signed cert (verifies with either root)
 *        nodes trust old + new, renew at once, report their certificate's issuer
 *   every node's issuer is the new root  ──► RootCA {new}   (join tokens re-made for its digest)
 *
 * The desired issuer (IssuerFromAPIRootCA) is the rotation's new root while a rotation is
 * in progress, else the root itself; it is what GET /swarm shows as TLSInfo's
 * CertIssuerSubject/PublicKey and what the docker CLI's progress compares nodes against.
 */
import type { Clock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import { crossSignRoot, type IssuerInfo, issuerOfRoot, sameIssuer } from './cross-sign.ts';
import type { RandomBytes } from './pki.ts';
import { checkRootCaMaterial, createRootCa, type RootCaMaterial } from './root.ts';

export interface RootRotationState {
  /** The root being rotated to, and its key. */
  CACert: string;
  CAKey: string;
  /** The new root's key certified by the old root: the intermediate sent with every chain. */
  CrossSignedCACert: string;
}

/** The cluster's root CA as the store keeps it (Cluster.RootCA). */
export interface ClusterRootCa {
  CACert: string;
  CAKey: string;
  /** The CAConfig.ForceRotate value last acted on (0 when never). */
  LastForcedRotation?: number;
  RootRotation?: RootRotationState;
}

/** What `docker swarm ca --rotate` and `swarm update` may ask of the CA. */
export interface CaConfigRequest {
  ForceRotate?: number;
  SigningCACert?: string;
  SigningCAKey?: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function invalid(message: string): ShoalError {
  return new ShoalError('invalid_argument', message);
}

function normalized(pem: string): string {
  return pem.trim();
}

export interface PlanOptions {
  clock: Clock;
  random?: RandomBytes;
  /** Makes the new root when none is given (default: createRootCa). */
  newRoot?: () => Promise<RootCaMaterial>;
}

/**
 * The root CA after applying `config` (swarmkit validateCAConfig for an internal CA), or
 * undefined when nothing changes. Throws ShoalError(invalid_argument) with swarmkit's words.
 */
export async function planRootCa(
  current: ClusterRootCa,
  config: CaConfigRequest,
  opts: PlanOptions,
): Promise<ClusterRootCa | undefined> {
  const cert = normalized(config.SigningCACert ?? '');
  const key = config.SigningCAKey ?? '';
  const force = config.ForceRotate ?? 0;
  const last = current.LastForcedRotation ?? 0;
  if (key !== '' && cert === '') {
    throw invalid('if a signing CA key is provided, the signing CA cert must also be provided');
  }
  if (cert === '') {
    if (force === last) return undefined;
    const fresh = await (opts.newRoot ?? (() => createRootCa({ clock: opts.clock })))();
    return startRotation(current, fresh, force, opts);
  }
  if (key === '') {
    throw invalid(
      'there must be at least one valid, reachable external CA corresponding to the desired CA certificate',
    );
  }
  const given = { certPem: `${cert}\n`, keyPem: key };
  let root: ReturnType<typeof checkRootCaMaterial>;
  try {
    root = checkRootCaMaterial(given);
  } catch (e) {
    throw invalid((e as Error).message);
  }
  if (root.notAfter < opts.clock.wallNow() + YEAR_MS) throw invalid('CA certificate expires too soon');
  if (normalized(current.CACert) === cert) {
    // Back to the current root: any rotation in progress is abandoned.
    return { CACert: current.CACert, CAKey: key, LastForcedRotation: force };
  }
  if (issuerOfRoot(current.CACert).publicKeyBase64 === root.publicKeyBase64) {
    throw invalid('Cannot update to a cert with an identical key');
  }
  const r = current.RootRotation;
  if (r && normalized(r.CACert) === cert) {
    return { ...current, RootRotation: { ...r, CAKey: key }, LastForcedRotation: force };
  }
  return startRotation(current, given, force, opts);
}

async function startRotation(
  current: ClusterRootCa,
  next: RootCaMaterial,
  force: number,
  opts: PlanOptions,
): Promise<ClusterRootCa> {
  // Always cross-signed by the original root, even when replacing a rotation in progress.
  const cross = await crossSignRoot({ certPem: current.CACert, keyPem: current.CAKey }, next.certPem, {
    clock: opts.clock,
    ...(opts.random && { random: opts.random }),
  });
  return {
    CACert: current.CACert,
    CAKey: current.CAKey,
    LastForcedRotation: force,
    RootRotation: { CACert: next.certPem, CAKey: next.keyPem, CrossSignedCACert: cross },
  };
}

/** What the CA signs node certificates with, and what it appends to every chain. */
export function signerOf(root: ClusterRootCa): { ca: RootCaMaterial; intermediatesPem: string } {
  const r = root.RootRotation;
  if (r) return { ca: { certPem: r.CACert, keyPem: r.CAKey }, intermediatesPem: r.CrossSignedCACert };
  return { ca: { certPem: root.CACert, keyPem: root.CAKey }, intermediatesPem: '' };
}

/** The roots a member accepts peers from: the current one, and the next during a rotation. */
export function trustedRoots(root: Pick<ClusterRootCa, 'CACert' | 'RootRotation'>): string[] {
  return root.RootRotation ? [root.CACert, root.RootRotation.CACert] : [root.CACert];
}

/** The issuer every node's certificate should have (swarmkit IssuerFromAPIRootCA). */
export function desiredIssuer(root: Pick<ClusterRootCa, 'CACert' | 'RootRotation'>): IssuerInfo {
  return issuerOfRoot(root.RootRotation?.CACert ?? root.CACert);
}

/** A node's TLSInfo as the Engine API shows it (base64 DER issuer fields). */
export interface NodeTlsInfo {
  TrustRoot?: string;
  CertIssuerSubject?: string;
  CertIssuerPublicKey?: string;
}

export interface RotationProgress {
  /** Nodes whose certificate the desired issuer issued. */
  converged: number;
  total: number;
  /** Node ids still holding a certificate of another issuer. */
  pending: string[];
  /** A rotation is in progress and every node has a certificate of the new root. */
  complete: boolean;
}

/** How far a rotation is (swarmkit's reconciler: every node, whatever its state, counts). */
export function rotationProgress(
  root: Pick<ClusterRootCa, 'CACert' | 'RootRotation'>,
  nodes: ReadonlyArray<{ ID: string; Description?: { TLSInfo?: NodeTlsInfo } }>,
): RotationProgress {
  const want = desiredIssuer(root);
  const pending: string[] = [];
  for (const n of nodes) {
    const t = n.Description?.TLSInfo;
    const has =
      t?.CertIssuerSubject !== undefined && t.CertIssuerPublicKey !== undefined
        ? sameIssuer({ subjectBase64: t.CertIssuerSubject, publicKeyBase64: t.CertIssuerPublicKey }, want)
        : false;
    if (!has) pending.push(n.ID);
  }
  return {
    converged: nodes.length - pending.length,
    total: nodes.length,
    pending,
    complete: root.RootRotation !== undefined && pending.length === 0,
  };
}

/** The root once the rotation is over: the new one, alone (swarmkit finishRootRotation). */
export function finishRotation(root: ClusterRootCa): ClusterRootCa {
  const r = root.RootRotation;
  if (!r) return root;
  return {
    CACert: r.CACert,
    CAKey: r.CAKey,
    ...(root.LastForcedRotation !== undefined && { LastForcedRotation: root.LastForcedRotation }),
  };
}
