/**
 * Cluster: swarm-wide settings (the Engine API's Swarm object without its join tokens'
 * secrets, which the CA layer keeps). There is exactly one, named `default`.
 */
import type { Annotations, Meta, Nanoseconds } from './meta.ts';

export interface SwarmSpec extends Annotations {
  Orchestration?: { TaskHistoryRetentionLimit?: number };
  Raft?: {
    SnapshotInterval?: number;
    KeepOldSnapshots?: number;
    LogEntriesForSlowFollowers?: number;
    ElectionTick?: number;
    HeartbeatTick?: number;
  };
  Dispatcher?: { HeartbeatPeriod?: Nanoseconds };
  CAConfig?: {
    NodeCertExpiry?: Nanoseconds;
    ExternalCAs?: unknown[];
    SigningCACert?: string;
    SigningCAKey?: string;
    ForceRotate?: number;
  };
  EncryptionConfig?: { AutoLockManagers?: boolean };
  TaskDefaults?: { LogDriver?: { Name?: string; Options?: Record<string, string> } };
}

export interface Cluster extends Meta {
  Spec: SwarmSpec;
  TLSInfo?: { TrustRoot?: string; CertIssuerSubject?: string; CertIssuerPublicKey?: string };
  RootRotationInProgress?: boolean;
  DataPathPort?: number;
  DefaultAddrPool?: string[];
  SubnetSize?: number;
  JoinTokens?: { Worker: string; Manager: string };
  /**
   * Internal, never shown by the API: the root CA every manager signs node certificates
   * with (its key is protected by the encryption at rest of the Raft log and snapshots).
   */
  RootCA?: {
    CACert: string;
    CAKey: string;
    /** The CAConfig.ForceRotate value last acted on. */
    LastForcedRotation?: number;
    /**
     * A root rotation in progress (`docker swarm ca --rotate`): the new root and its key,
     * and the new root cross-signed by the current one (see src/ca/rotation.ts).
     */
    RootRotation?: { CACert: string; CAKey: string; CrossSignedCACert: string };
  };
  /** Internal: the unlock key while autolock is on, so managers can show and rotate it. */
  UnlockKey?: string;
  /** Internal: nodes removed from the swarm; their certificates are refused until they expire. */
  RemovedNodes?: string[];
}

export const DEFAULT_CLUSTER_NAME = 'default';

/**
 * The shortest node certificate lifetime a cluster may ask for: an hour, as Docker. Tests
 * only: `SHOAL_TEST_MIN_CERT_EXPIRY_MS` in a daemon's environment lowers it, so renewal can
 * be watched in seconds (swarmkit's own tests lower its minimum the same way).
 */
export const MIN_NODE_CERT_EXPIRY_NS = ((): number => {
  const hour = 3600 * 1_000_000_000;
  const v = Number(process.env.SHOAL_TEST_MIN_CERT_EXPIRY_MS) * 1_000_000;
  return Number.isFinite(v) && v > 0 && v < hour ? v : hour;
})();

/** Docker's defaults for the swarm spec. */
export const SWARM_DEFAULTS = {
  taskHistoryRetentionLimit: 5,
  heartbeatPeriodNs: 5_000_000_000,
  nodeCertExpiryNs: 90 * 24 * 3600 * 1_000_000_000,
  snapshotInterval: 10_000,
  logEntriesForSlowFollowers: 500,
  electionTick: 10,
  heartbeatTick: 1,
} as const;
