/**
 * SwarmController: the node's place in a swarm, and the operations that change it
 * (`swarm init/join/leave/update/unlock`), behind the HTTP layer's SwarmBackend.
 *
 *   inactive ──init──► active manager (new CA, tokens, Raft of one)
 *   inactive ──join──► active worker | manager (root checked against the token's digest,
 *                                              CSR signed by a manager)
 *   active   ──leave─► inactive (certificates, Raft data and keys erased)
 *   restart  ────────► active again as the same node, or locked (autolock) until unlock
 *
 * Every node runs an agent (its tasks); a manager also runs the manager role. The node
 * follows its role as its session reports it: promoted, it gets a manager certificate and
 * joins Raft; demoted and out of Raft, it stops the manager role and drops its Raft data.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../agent/agent.ts';
import type { Cluster } from '../api/cluster.ts';
import { newId } from '../api/ids.ts';
import type { DeepReadonly } from '../api/meta.ts';
import type { Node } from '../api/node.ts';
import type { Clock } from '../base/clock.ts';
import { ShoalError } from '../base/errors.ts';
import type { Logger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import {
  checkRootAgainstToken,
  createCsr,
  createJoinTokens,
  createRootCa,
  desiredIssuer,
  type IssuerInfo,
  issueNodeCertificate,
  issuerOfRoot,
  parseJoinToken,
} from '../ca/index.ts';
import { cipherForKeys, type DekCipher, generateUnlockKey, KeyManager } from '../crypt/index.ts';
import type { Executor } from '../executor/executor.ts';
import type {
  InitRequest,
  JoinRequest,
  SwarmBackend,
  SwarmLocalInfo,
  SwarmUpdateFlags,
} from '../http/backend.ts';
import { SWARM_MESSAGES } from '../http/errors.ts';
import type { Control } from '../manager/controlapi/index.ts';
import type { RootCaUpdate } from '../manager/dispatcher/protocol.ts';
import { newRaftId } from '../manager/role/raft-ids.ts';
import {
  CaClient,
  ForwardingControl,
  fetchRootCa,
  GrpcSessionDialer,
  type LogRecord,
  type LogSubscription,
  MutableTlsProvider,
  NO_LEADER,
  RpcChannels,
  subscribeLogs,
} from '../rpc/index.ts';
import type { MemoryStore, Stored } from '../store/index.ts';
import { advertiseAddress, hostOf, withPort } from './addresses.ts';
import { NodeIdentity } from './identity.ts';
import { ManagerRole } from './manager-role.ts';
import { type MeshMode, NodeMesh } from './mesh.ts';
import { type DaemonState, type Role, StateFile, type SwarmState } from './state.ts';

export interface SwarmControllerOptions {
  dataDir: string;
  /** Default listen address (`--listen-addr`), host:port. */
  listenAddr: string;
  /** Default advertise address (`--advertise-addr`). */
  advertiseAddr?: string;
  /** Makes the node's executor when its agent starts (the node id is known by then). */
  executor: (node: { nodeId: string }) => Executor;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  tickMs?: number;
  /** Called with the manager's store when the manager role starts, undefined when it stops. */
  onStore?: (store: MemoryStore | undefined) => void;
  /** The routing mesh on this node (default: the user-space proxy on every address). */
  mesh?: { mode: MeshMode; addresses?: readonly string[] };
}

const ALREADY_IN_SWARM =
  'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.';
const NOT_IN_SWARM = 'This node is not part of a swarm';

export class SwarmController implements SwarmBackend {
  private readonly stateFile: StateFile;
  private state: DaemonState;
  private identity: NodeIdentity | undefined;
  private keys: KeyManager | undefined;
  private cipher: DekCipher | undefined;
  private managerRole: ManagerRole | undefined;
  private managerStarting: Promise<void> | undefined;
  private agent: Agent | undefined;
  private executor: Executor | undefined;
  private mesh: NodeMesh | undefined;
  private channels: RpcChannels | undefined;
  private forwarding: ForwardingControl | undefined;
  private locked = false;
  /** The role the node's spec asks for, as its session last reported it. */
  private desiredRole: Role | undefined;
  /** While this manager asks the leader to admit it into Raft (its own Raft knows no leader yet). */
  private admitting = false;
  private lastError = '';
  private unsubscribeCluster: (() => void) | undefined;
  private unsubscribeIdentity: (() => void) | undefined;
  /** During a root rotation: the issuer this node's certificate must have, and renewals asked for it. */
  private rotation: { issuer: IssuerInfo; tries: number } | undefined;
  private readonly log: Logger;
  /** Operations that change membership run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SwarmControllerOptions) {
    this.stateFile = new StateFile(opts.dataDir);
    this.state = this.stateFile.load();
    this.log = opts.logger.child({ component: 'swarm' });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private get swarm(): SwarmState | undefined {
    return this.state.swarm ?? undefined;
  }

  private saveSwarm(s: SwarmState | null): void {
    this.state = { version: 1, swarm: s };
    this.stateFile.save(this.state);
  }

  private keysDir(): string {
    return join(this.opts.dataDir, 'keys');
  }

  // ---- start and stop ---------------------------------------------------------------

  /** Daemon start: a node that was in a swarm comes back as the same node. */
  async resume(): Promise<void> {
    const s = this.swarm;
    if (!s) return;
    this.identity = (await NodeIdentity.load(this.opts.dataDir)) ?? undefined;
    if (!this.identity) {
      this.lastError = 'this node was in a swarm but its certificates are missing';
      this.log.error({}, this.lastError);
      return;
    }
    this.setupChannels();
    if (s.role === 'manager' && s.raftId) {
      this.keys = KeyManager.open(this.keysDir());
      if (this.keys.status === 'locked') {
        this.locked = true;
        this.log.warn({}, 'swarm is locked: waiting for "docker swarm unlock"');
        return;
      }
      await this.startManagerRole({ join: false });
    }
    await this.startAgent();
  }

  async stop(): Promise<void> {
    await this.stopRuntime({ transfer: true });
  }

  private async stopRuntime(opts: { transfer: boolean }): Promise<void> {
    this.unsubscribeCluster?.();
    this.unsubscribeCluster = undefined;
    const agent = this.agent;
    this.agent = undefined;
    await agent?.stop();
    await this.mesh?.close();
    this.mesh = undefined;
    await this.executor?.dispose();
    this.executor = undefined;
    const role = this.managerRole;
    this.managerRole = undefined;
    if (role) this.opts.onStore?.(undefined);
    await role?.stop({ transfer: opts.transfer });
    this.identity?.dispose();
    this.channels?.close();
    this.channels = undefined;
    this.forwarding = undefined;
  }

  // ---- what the API asks --------------------------------------------------------------

  info(): SwarmLocalInfo {
    const s = this.swarm;
    if (!s)
      return {
        NodeID: '',
        NodeAddr: '',
        LocalNodeState: 'inactive',
        ControlAvailable: false,
        Error: '',
        RemoteManagers: [],
      };
    const managers = this.managerRole?.manager.directory.managers() ?? [];
    const remote =
      managers.length > 0
        ? managers.map((m) => ({ NodeID: m.nodeId, Addr: m.addr }))
        : s.remoteManagers.map((a) => ({ NodeID: '', Addr: a }));
    const state = this.locked
      ? 'locked'
      : this.lastError
        ? 'error'
        : this.agent?.state === 'ready' || this.managerRole
          ? 'active'
          : 'pending';
    return {
      NodeID: s.nodeId,
      NodeAddr: hostOf(s.advertiseAddr),
      LocalNodeState: state,
      ControlAvailable: this.managerRole !== undefined && !this.locked,
      Error: this.lastError,
      RemoteManagers: remote,
      Role: s.role,
    };
  }

  /** The control API: the leader's own, or forwarded to the leader from a follower. */
  control(): Control | undefined {
    const role = this.managerRole;
    if (!role || this.locked) return undefined;
    if (role.manager.isLeader) return role.manager.control;
    return this.forwarding;
  }

  async inspect(): Promise<Stored<Cluster>> {
    const c = this.control();
    if (!c) throw new ShoalError('unavailable', NOT_IN_SWARM);
    const cluster = await c.getCluster();
    const { RootCA: ca, UnlockKey: _key, RemovedNodes: _removed, ...shown } = cluster;
    // The root's certificate (never a key) and the issuer nodes' certificates should have
    // (the new root's during a rotation) as moby shows them: what `docker swarm ca` prints
    // and what `docker swarm ca --rotate` follows.
    if (!ca?.CACert) return shown as Stored<Cluster>;
    const issuer = desiredIssuer(ca);
    return {
      ...shown,
      TLSInfo: {
        TrustRoot: ca.CACert,
        CertIssuerSubject: issuer.subjectBase64,
        CertIssuerPublicKey: issuer.publicKeyBase64,
      },
      RootRotationInProgress: ca.RootRotation !== undefined,
    } as Stored<Cluster>;
  }

  /**
   * Task logs across the swarm: from this manager's log broker when it leads, else from the
   * leader's over the cluster RPC. A worker cannot answer (Docker: not a manager).
   */
  logs(sub: LogSubscription, signal: AbortSignal): AsyncIterable<readonly LogRecord[]> {
    const role = this.managerRole;
    if (!role || this.locked || !this.channels) throw new ShoalError('unavailable', NOT_IN_SWARM);
    if (role.manager.isLeader) return role.logs.subscribe(sub, signal);
    const leader = role.manager.directory.leader()?.addr;
    if (!leader) throw new ShoalError('unavailable', NO_LEADER);
    return subscribeLogs(this.channels, leader, sub, signal);
  }

  // ---- init ---------------------------------------------------------------------------

  init(req: InitRequest): Promise<string> {
    return this.serial(async () => {
      if (this.swarm && req.ForceNewCluster) return this.forceNewCluster();
      if (this.swarm) throw new ShoalError('failed_precondition', ALREADY_IN_SWARM);
      const { clock, rng } = this.opts;
      const listen = this.listenAddr(req.ListenAddr);
      const advertise = advertiseAddress(listen, req.AdvertiseAddr || this.opts.advertiseAddr);
      const nodeId = newId(rng);
      const clusterId = newId(rng);
      const root = await createRootCa({ clock });
      const tokens = createJoinTokens(root.certPem);
      const expiryNs = req.Spec?.CAConfig?.NodeCertExpiry;
      const cert = await issueNodeCertificate(root, {
        nodeId,
        role: 'swarm-manager',
        clusterId,
        clock,
        ...(expiryNs ? { expiry: expiryNs / 1_000_000 } : {}),
      });
      this.identity = await NodeIdentity.create(this.opts.dataDir, { rootPem: root.certPem, ...cert });
      const unlockKey = req.AutoLockManagers ? generateUnlockKey() : undefined;
      this.keys = KeyManager.open(this.keysDir());
      this.keys.initialize({ unlockKey: unlockKey ?? null });
      const raftId = newRaftId(nodeId, rng);
      this.saveSwarm({
        nodeId,
        clusterId,
        role: 'manager',
        listenAddr: listen,
        advertiseAddr: advertise,
        remoteManagers: [advertise],
        raftId,
      });
      this.setupChannels();
      const spec = {
        ...(req.Spec ?? {}),
        EncryptionConfig: { AutoLockManagers: req.AutoLockManagers === true },
      };
      try {
        await this.startManagerRole({
          join: false,
          bootstrap: {
            ID: clusterId,
            RootCA: { CACert: root.certPem, CAKey: root.keyPem },
            JoinTokens: { Worker: tokens.worker, Manager: tokens.manager },
            Spec: spec,
            ...(req.DefaultAddrPool?.length && { DefaultAddrPool: req.DefaultAddrPool }),
            ...(req.SubnetSize && { SubnetSize: req.SubnetSize }),
            ...(unlockKey && { UnlockKey: unlockKey }),
          },
        });
        await this.waitFor(
          () => this.managerRole?.manager.isLeader === true,
          15_000,
          'the new swarm to elect its leader',
        );
        await this.startAgent();
      } catch (e) {
        return this.undo(e);
      }
      this.log.info({ node: nodeId, cluster: clusterId, advertise }, 'swarm initialized');
      return nodeId;
    });
  }

  /**
   * `swarm init --force-new-cluster` on a manager of a swarm that lost its quorum: the same
   * node and cluster, its state kept, the other managers removed from Raft (see
   * raft/force-new-cluster.ts). Other managers' Node objects stay, and show as unreachable.
   */
  private async forceNewCluster(): Promise<string> {
    const s = this.swarm as SwarmState;
    if (s.role !== 'manager' || !s.raftId) throw new ShoalError('failed_precondition', ALREADY_IN_SWARM);
    if (this.locked) throw new ShoalError('failed_precondition', SWARM_MESSAGES.locked);
    this.log.warn({ node: s.nodeId }, 'forcing a new cluster from this manager');
    await this.stopRuntime({ transfer: false });
    this.identity = (await NodeIdentity.load(this.opts.dataDir)) ?? undefined;
    if (!this.identity) throw new ShoalError('failed_precondition', "this node's certificates are missing");
    this.saveSwarm({ ...s, remoteManagers: [s.advertiseAddr] });
    this.setupChannels();
    await this.startManagerRole({ join: false, forceNewCluster: true });
    await this.waitFor(
      () => this.managerRole?.manager.isLeader === true,
      15_000,
      'the forced cluster to elect its leader',
    );
    await this.startAgent();
    return s.nodeId;
  }

  // ---- join ---------------------------------------------------------------------------

  join(req: JoinRequest): Promise<void> {
    return this.serial(async () => {
      if (this.swarm) throw new ShoalError('failed_precondition', ALREADY_IN_SWARM);
      const token = req.JoinToken ?? '';
      parseJoinToken(token);
      const remotes = (req.RemoteAddrs ?? []).map((a) => withPort(a));
      if (remotes.length === 0)
        throw new ShoalError('invalid_argument', 'at least 1 RemoteAddr is required to join');
      const listen = this.listenAddr(req.ListenAddr);
      const advertise = advertiseAddress(listen, req.AdvertiseAddr || this.opts.advertiseAddr);
      let lastError = '';
      for (const remote of remotes) {
        const root = await fetchRootCa(remote, { clock: this.opts.clock });
        if (!root.ok) {
          lastError = root.error.message;
          continue;
        }
        // Trust nothing the remote says before its CA matches the token.
        const check = checkRootAgainstToken(token, root.value);
        if (!check.ok) throw new ShoalError('invalid_argument', check.message);
        const csr = await createCsr();
        const joinChannels = new RpcChannels({
          tls: new MutableTlsProvider({ identity: undefined, rootsPem: root.value }),
          serverName: 'swarm-manager',
        });
        try {
          const issued = await new CaClient(joinChannels, { clock: this.opts.clock }).issueNodeCertificate(
            remote,
            {
              csrPem: csr.csrPem,
              token,
              ...(req.Availability && { availability: req.Availability }),
              addr: advertise,
            },
          );
          if (!issued.ok) {
            // A refusal from the CA (a bad token) reads as Docker shows swarmkit's: the gRPC
            // status text. Anything else (unreachable...) says where it happened.
            const e = issued.error;
            throw new ShoalError(
              'invalid_argument',
              e.code === 'invalid_argument'
                ? `rpc error: code = InvalidArgument desc = ${e.details}`
                : e.message,
            );
          }
          const status = issued.value.status;
          if (status.state !== 'issued')
            throw new ShoalError('unavailable', `certificate not issued: ${status.state}`);
          this.identity = await NodeIdentity.create(this.opts.dataDir, {
            rootPem: root.value,
            certPem: status.certificateChainPem,
            keyPem: csr.keyPem,
          });
        } finally {
          joinChannels.close();
        }
        const role: Role = this.identity.role === 'swarm-manager' ? 'manager' : 'worker';
        this.saveSwarm({
          nodeId: this.identity.nodeId,
          clusterId: this.identity.clusterId,
          role,
          listenAddr: listen,
          advertiseAddr: advertise,
          remoteManagers: [remote],
          ...(req.Availability && req.Availability !== 'active' && { availability: req.Availability }),
        });
        try {
          this.setupChannels();
          if (role === 'manager') {
            await this.startManagerRole({ join: true });
            await this.applyJoinAvailability();
          }
          await this.startAgent();
        } catch (e) {
          return this.undo(e);
        }
        this.log.info({ node: this.identity.nodeId, role, via: remote }, 'joined the swarm');
        return;
      }
      throw new ShoalError(
        'unavailable',
        `could not join the swarm through ${remotes.join(', ')}: ${lastError}`,
      );
    });
  }

  // ---- leave ---------------------------------------------------------------------------

  leave(force: boolean): Promise<void> {
    return this.serial(async () => {
      const s = this.swarm;
      if (!s) throw new ShoalError('unavailable', NOT_IN_SWARM);
      if (s.role === 'manager' && !force) {
        const voters = this.managerRole?.manager.raft.status().conf.voters.length ?? 1;
        const msg =
          voters <= 1
            ? 'You are attempting to leave the swarm on a node that is participating as a manager. Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message. '
            : `You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves ${voters - 1} managers out of ${voters}. Without a Raft quorum your swarm will be inaccessible. The only way to restore a swarm that has lost consensus is to reinitialize it with \`--force-new-cluster\`. Use \`--force\` to suppress this message.`;
        throw new ShoalError('failed_precondition', msg);
      }
      await this.stopRuntime({ transfer: true });
      for (const d of ['certificates', 'raft', 'keys'])
        rmSync(join(this.opts.dataDir, d), { recursive: true, force: true });
      this.identity = undefined;
      this.keys = undefined;
      this.locked = false;
      this.lastError = '';
      this.saveSwarm(null);
      this.log.info({ node: s.nodeId }, 'left the swarm');
    });
  }

  // ---- update, unlock -------------------------------------------------------------------

  async update(spec: unknown, version: number, flags: SwarmUpdateFlags): Promise<void> {
    const c = this.control();
    if (!c) throw new ShoalError('unavailable', NOT_IN_SWARM);
    await c.updateCluster(version, spec, flags);
  }

  unlock(key: string): Promise<void> {
    return this.serial(async () => {
      if (!this.swarm) throw new ShoalError('unavailable', NOT_IN_SWARM);
      if (!this.locked || !this.keys) throw new ShoalError('failed_precondition', 'swarm is not locked');
      this.keys.unlock(key.trim());
      this.locked = false;
      await this.startManagerRole({ join: false });
      if (!this.agent) await this.startAgent();
      this.log.info({}, 'swarm unlocked');
    });
  }

  async unlockKey(): Promise<string> {
    const c = this.control();
    if (!c) throw new ShoalError('unavailable', NOT_IN_SWARM);
    const raw = this.managerRole?.manager.store.view((tx) => tx.clusters.current());
    const key = raw?.UnlockKey;
    if (!key) throw new ShoalError('not_found', 'no unlock key is set');
    return key;
  }

  /**
   * The docker CLI always sends its default `0.0.0.0:2377`; the daemon's own --listen-addr
   * wins over that default (several daemons on one machine each listen on their address).
   */
  private listenAddr(requested: string | undefined): string {
    const r = requested ? withPort(requested) : undefined;
    if (!r || r === '0.0.0.0:2377') return withPort(this.opts.listenAddr);
    return r;
  }

  /** A failed init or join leaves the node as it was: in no swarm, nothing on disk. */
  private async undo(e: unknown): Promise<never> {
    this.log.error({ err: (e as Error).message }, 'could not complete: rolling back');
    await this.stopRuntime({ transfer: false }).catch(() => undefined);
    for (const d of ['certificates', 'raft', 'keys'])
      rmSync(join(this.opts.dataDir, d), { recursive: true, force: true });
    this.identity = undefined;
    this.keys = undefined;
    this.saveSwarm(null);
    throw e;
  }

  // ---- roles ----------------------------------------------------------------------------

  private setupChannels(): void {
    const identity = this.identity as NodeIdentity;
    this.channels?.close();
    const clusterId = identity.clusterId;
    this.channels = new RpcChannels({
      tls: identity.provider,
      serverName: 'swarm-manager',
      verifyServer: (srv) => (srv.clusterId === clusterId ? null : `${srv.nodeId} belongs to another swarm`),
    });
    this.unsubscribeIdentity?.();
    this.unsubscribeIdentity = identity.onChange(() => {
      this.channels?.forgetAll();
      this.agent?.reportTlsInfo();
      this.renewForRotation();
    });
    this.forwarding = new ForwardingControl({
      channels: this.channels,
      leader: () => this.leaderAddr(),
      clock: this.opts.clock,
    });
    identity.startRenewal({
      clock: this.opts.clock,
      rng: this.opts.rng.fork(),
      logger: this.log,
      renew: async () => {
        const csr = await createCsr({ nodeId: identity.nodeId });
        const addr = this.leaderAddr() ?? this.swarm?.remoteManagers[0];
        if (!addr || !this.channels) throw new Error('no manager to renew the certificate with');
        const r = await new CaClient(this.channels, { clock: this.opts.clock }).issueNodeCertificate(addr, {
          csrPem: csr.csrPem,
        });
        if (!r.ok) throw r.error;
        if (r.value.status.state !== 'issued') throw new Error(`certificate ${r.value.status.state}`);
        return { certPem: r.value.status.certificateChainPem, keyPem: csr.keyPem };
      },
    });
  }

  /**
   * The leader's address, as best known. A manager in Raft knows it from Raft, and knowing
   * none means there is none (an election, or no quorum): the control API then answers
   * Docker's "does not have a leader" instead of trying the address of a manager that is
   * gone. A worker, and a manager still being admitted, fall back on a manager they know.
   */
  private leaderAddr(): string | undefined {
    const role = this.managerRole;
    if (role && !this.admitting) return role.manager.directory.leader()?.addr;
    return role?.manager.directory.leader()?.addr ?? this.agent?.manager ?? this.swarm?.remoteManagers[0];
  }

  private async startManagerRole(o: {
    join: boolean;
    bootstrap?: Parameters<typeof ManagerRole.start>[0]['bootstrap'];
    forceNewCluster?: boolean;
  }): Promise<void> {
    if (this.managerRole) return;
    if (this.managerStarting) return this.managerStarting;
    const run = async (): Promise<void> => {
      const s = this.swarm as SwarmState;
      const identity = this.identity as NodeIdentity;
      this.keys ??= KeyManager.open(this.keysDir());
      if (this.keys.status === 'uninitialized') this.keys.initialize({});
      this.cipher = cipherForKeys(this.keys.keys());
      let raftId = s.raftId;
      if (!raftId || o.join) {
        raftId = newRaftId(s.nodeId, this.opts.rng);
        this.saveSwarm({ ...s, role: 'manager', raftId });
      }
      const role = await ManagerRole.start({
        dataDir: this.opts.dataDir,
        nodeId: s.nodeId,
        raftId,
        listenAddr: s.listenAddr,
        advertiseAddr: s.advertiseAddr,
        identity,
        cipher: this.cipher,
        clock: this.opts.clock,
        rng: this.opts.rng.fork(),
        logger: this.log,
        ...(this.opts.tickMs !== undefined && { tickMs: this.opts.tickMs }),
        ...(o.bootstrap && { bootstrap: o.bootstrap }),
        ...(o.forceNewCluster && { forceNewCluster: true }),
      });
      this.managerRole = role;
      this.followCluster(role);
      this.opts.onStore?.(role.manager.store);
      if (o.join) {
        await this.admit(s.nodeId, raftId, s.advertiseAddr);
        await this.untilVoter(raftId);
      }
    };
    this.managerStarting = run().finally(() => {
      this.managerStarting = undefined;
    });
    return this.managerStarting;
  }

  /** Asks the leader to add this manager's new member to Raft (retrying through elections). */
  /**
   * `swarm join --availability` of a manager: its Node object exists once it is admitted
   * into Raft, so the availability is set through the control API (a worker's agent asks
   * for it when its first session creates its node).
   */
  private async applyJoinAvailability(): Promise<void> {
    const s = this.swarm as SwarmState;
    const c = this.control();
    if (!s.availability || !c) return;
    try {
      const n = await c.getNode(s.nodeId);
      if (n.Spec.Availability !== s.availability) {
        await c.updateNode(s.nodeId, n.Version.Index, { ...n.Spec, Availability: s.availability });
      }
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not set the availability asked at join');
    }
  }

  private async admit(nodeId: string, raftId: string, addr: string): Promise<void> {
    let last: unknown;
    this.admitting = true;
    try {
      for (let i = 0; i < 60; i++) {
        try {
          const members = (await this.forwarding?.joinRaft(nodeId, raftId, addr)) ?? [];
          this.managerRole?.manager.addPeers(members);
          return;
        } catch (e) {
          last = e;
          await new Promise<void>((r) => this.opts.clock.setTimeout(r, 500));
        }
      }
    } finally {
      this.admitting = false;
    }
    throw new ShoalError(
      'unavailable',
      `could not join the managers: ${(last as Error)?.message ?? 'no leader'}`,
    );
  }

  /**
   * A new member is admitted as a learner and promoted once caught up (RoleManager). Until
   * then it does not count toward the quorum: losing a manager right after `swarm join`
   * returned could leave the rest without one. So the join waits for the promotion, as
   * Docker's join returns with the member already voting; past a while it carries on
   * (the leader still promotes it) with a warning rather than failing a join that worked.
   */
  private async untilVoter(raftId: string): Promise<void> {
    const voting = (): boolean =>
      this.managerRole?.manager.raft.status().conf.voters.includes(raftId) === true;
    try {
      await this.waitFor(voting, 20_000, 'this manager to become a Raft voter');
    } catch {
      this.log.warn({ raftId }, 'joined Raft as a learner; not promoted to voter yet');
    }
  }

  /** Every manager follows the swarm's unlock key: its data key is wrapped with it, or not. */
  private followCluster(role: ManagerRole): void {
    this.unsubscribeCluster?.();
    const apply = (c: DeepReadonly<Cluster> | undefined): void => {
      if (!c || !this.keys || this.keys.status !== 'unlocked') return;
      try {
        this.keys.setUnlockKey(c.UnlockKey ?? null);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'could not rewrap the data key');
      }
    };
    const store = role.manager.store;
    this.unsubscribeCluster = store.subscribe(
      (events) => {
        for (const e of events)
          if (e.table === 'clusters' && e.kind !== 'delete') apply(e.object as DeepReadonly<Cluster>);
      },
      { tables: ['clusters'] },
    );
    apply(store.view((tx) => tx.clusters.current()));
  }

  private async startAgent(): Promise<void> {
    const s = this.swarm as SwarmState;
    if (this.agent || !this.channels) return;
    this.executor = this.opts.executor({ nodeId: s.nodeId });
    const mesh = new NodeMesh({
      mode: this.opts.mesh?.mode ?? 'userspace',
      ...(this.opts.mesh?.addresses && { addresses: this.opts.mesh.addresses }),
      onProblems: (problems) => this.agent?.reportMeshProblems(problems),
      logger: this.log,
    });
    this.mesh = mesh;
    this.agent = new Agent({
      nodeId: s.nodeId,
      executor: this.executor,
      dialer: new GrpcSessionDialer({ channels: this.channels, clock: this.opts.clock, logger: this.log }),
      managers: s.role === 'manager' ? [s.advertiseAddr, ...s.remoteManagers] : s.remoteManagers,
      ...(s.availability && { availability: s.availability }),
      onMesh: (m) => mesh.update(m, s.nodeId),
      clock: this.opts.clock,
      rng: this.opts.rng.fork(),
      logger: this.log,
      onNode: (n) => this.followRole(n),
      tlsInfo: () => this.identity?.tlsInfo(),
      onRootCa: (m) => this.followRootCa(m),
    });
    await this.agent.start();
  }

  /**
   * The swarm's root CA as the leader sends it. A rotation in progress: trust the new root
   * too, and renew until the certificate is the new root's. A rotation completed: the new
   * root alone, on disk too.
   */
  private followRootCa(m: RootCaUpdate): void {
    const identity = this.identity;
    if (!identity) return;
    this.rotation = m.next ? { issuer: issuerOfRoot(m.next), tries: 0 } : undefined;
    identity
      .setRoots(m.root, m.next)
      .then((changed) => {
        if (changed) this.log.info({ rotating: m.next !== undefined }, 'swarm root CA updated');
        this.renewForRotation();
      })
      .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'could not update the root CA'));
  }

  /** Renews (a bounded number of times) while the certificate is not the rotation's new root's. */
  private renewForRotation(): void {
    const r = this.rotation;
    const identity = this.identity;
    if (!r || !identity || identity.issuedBy(r.issuer) || r.tries >= 20) return;
    r.tries++;
    this.log.info({ attempt: r.tries }, 'root rotation: renewing the certificate');
    identity.renewNow();
  }

  /** Promotion and demotion, as the node's session reports them. */
  private followRole(n: DeepReadonly<Node>): void {
    const s = this.swarm;
    if (!s || this.locked) return;
    this.desiredRole = n.Spec.Role;
    if (n.Spec.Role === 'manager' && !this.managerRole && !this.managerStarting) {
      this.log.info({}, 'promoted: joining the managers');
      void this.serial(async () => {
        await this.certificateFor('swarm-manager');
        // Demoted again while waiting: no manager role to start; the renewer now wants a worker's.
        if (this.desiredRole !== 'manager' || this.identity?.role !== 'swarm-manager') {
          this.identity?.renewForRole('swarm-worker');
          return;
        }
        await this.startManagerRole({ join: true });
      }).catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'promotion failed'));
    } else if (n.Spec.Role === 'worker' && this.managerRole && n.ManagerStatus === undefined) {
      this.log.info({}, 'demoted: leaving the managers');
      void this.serial(async () => {
        const role = this.managerRole;
        this.managerRole = undefined;
        this.unsubscribeCluster?.();
        this.opts.onStore?.(undefined);
        await role?.stop();
        rmSync(ManagerRole.raftDir(this.opts.dataDir), { recursive: true, force: true });
        rmSync(this.keysDir(), { recursive: true, force: true });
        this.keys = undefined;
        const cur = this.swarm as SwarmState;
        const { raftId: _r, ...rest } = cur;
        this.saveSwarm({ ...rest, role: 'worker' });
        await this.certificateFor('swarm-worker');
      }).catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'demotion failed'));
    }
  }

  /**
   * Renews the certificate until it carries `role`, or until the node is asked for the
   * other role again (a demotion right after a promotion, or the reverse: the CA then
   * hands out the other role's certificate, and the next role change takes over).
   */
  private async certificateFor(role: 'swarm-manager' | 'swarm-worker'): Promise<void> {
    const identity = this.identity as NodeIdentity;
    if (identity.role === role) return;
    const wanted: Role = role === 'swarm-manager' ? 'manager' : 'worker';
    identity.renewForRole(role);
    await this.waitFor(
      () => identity.role === role || (this.desiredRole !== undefined && this.desiredRole !== wanted),
      60_000,
      `a ${role} certificate`,
    );
  }

  private waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
    const { clock } = this.opts;
    const deadline = clock.now() + ms;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (cond()) resolve();
        else if (clock.now() > deadline) reject(new ShoalError('timeout', `timed out waiting for ${what}`));
        else clock.setTimeout(check, 50);
      };
      check();
    });
  }
}
