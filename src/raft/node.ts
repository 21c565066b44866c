/**
 * RaftNode: the driver that turns the pure Raft core into a running member.
 *
 *        tick (clock) ─┐   messages (transport) ─┐   propose / read / transfer (callers)
 *                      ▼                         ▼                ▼
 *                 ┌──────────────────── RawNode (core) ────────────────────┐
 *                 └──────────────────────────┬─────────────────────────────┘
 *                                            │ Ready
 *        1. persist snapshot, entries, hard state  (storage: one write, one sync)
 *        2. send messages                          (transport)
 *        3. apply snapshot + committed entries     (state machine) → resolve proposals
 *        4. serve read states                      → resolve reads once applied
 *        5. advance; snapshot + compact the log when it grew past the interval
 *
 * Clock, randomness, storage and transport are injected: the simulator runs this exact
 * code on virtual time with an in-memory network and a crashable disk.
 */
import type { Clock, Timer } from '../base/clock.ts';
import type { Logger } from '../base/logger.ts';
import { nullLogger } from '../base/logger.ts';
import type { Rng } from '../base/rng.ts';
import { type ConfChange, decodeConfChangeEntry } from './core/confchange.ts';
import { RawNode, type Ready, type Status } from './core/rawnode.ts';
import type { ConfState, Entry, Message, NodeId, ProposeOutcome, SoftState } from './core/types.ts';
import { emptyConfState, NONE } from './core/types.ts';
import { openEnvelope, sealEnvelope } from './envelope.ts';
import { NotLeaderError, ProposalRefusedError, ProposalTimeoutError, StoppedError } from './errors.ts';
import { PendingProposals, PendingReads } from './pending.ts';
import type { RaftStorage } from './storage/storage.ts';
import type { Transport } from './transport/transport.ts';

/** The replicated application. apply() must be deterministic. */
export interface StateMachine {
  apply(data: Uint8Array, index: number): unknown;
  snapshot(): Uint8Array;
  restore(data: Uint8Array): void;
}

export interface RaftNodeOptions {
  id: NodeId;
  /** This member's address, recorded in conf changes so peers can reach it. */
  address?: string;
  storage: RaftStorage;
  transport: Transport;
  stateMachine: StateMachine;
  clock: Clock;
  rng: Rng;
  logger?: Logger;
  tickMs?: number;
  electionTick?: number;
  heartbeatTick?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Take a snapshot after this many applied entries. */
  snapshotInterval?: number;
  /** Entries kept behind a snapshot for slow followers (Docker keeps 500). */
  keepEntries?: number;
  /** Default deadline of a proposal or a read. */
  requestTimeoutMs?: number;
  maxSizePerMsg?: number;
  maxInflightMsgs?: number;
  onStateChange?: (s: SoftState) => void;
  onConfChange?: (cc: ConfChange, conf: ConfState, index: number) => void;
  /** Every applied entry, in order (observability; the simulator checks safety with it). */
  onApply?: (e: Entry) => void;
}

interface QueuedProposal {
  data: Uint8Array;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  deadline: number;
  timeoutMs: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class RaftNode {
  readonly id: NodeId;
  private readonly rn: RawNode;
  private readonly opts: RaftNodeOptions;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly timeoutMs: number;
  private readonly proposals = new PendingProposals();
  private readonly reads = new PendingReads();
  private queue: QueuedProposal[] = [];
  private flushScheduled = false;
  private pumping = false;
  private pumpScheduled = false;
  private ticker: Timer | undefined;
  private stopped = false;
  private applied: number;
  private appliedConf: ConfState;
  private snapshotIndex: number;
  private soft: SoftState = { lead: NONE, state: 'follower' };
  /** Member addresses, from conf entries and snapshots. */
  readonly members = new Map<NodeId, string>();
  private leaderWaiters: Array<() => void> = [];
  /** Set when the pump failed (storage error): the member stops serving. */
  failure: Error | undefined;

  constructor(opts: RaftNodeOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.clock = opts.clock;
    this.tickMs = opts.tickMs ?? 100;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.log = (opts.logger ?? nullLogger).child({ raft: opts.id });
    const snap = opts.storage.snapshot();
    this.snapshotIndex = snap.meta.index;
    this.applied = snap.meta.index;
    this.appliedConf = snap.meta.index > 0 ? snap.meta.conf : emptyConfState();
    if (snap.meta.index > 0) {
      const env = openEnvelope(snap.data);
      opts.stateMachine.restore(env.app);
      for (const [id, addr] of Object.entries(env.members)) this.members.set(id, addr);
    }
    this.rn = new RawNode({
      id: opts.id,
      storage: opts.storage,
      rng: opts.rng,
      ...(opts.logger !== undefined && { logger: opts.logger }),
      applied: snap.meta.index,
      ...(opts.electionTick !== undefined && { electionTick: opts.electionTick }),
      ...(opts.heartbeatTick !== undefined && { heartbeatTick: opts.heartbeatTick }),
      ...(opts.preVote !== undefined && { preVote: opts.preVote }),
      ...(opts.checkQuorum !== undefined && { checkQuorum: opts.checkQuorum }),
      ...(opts.maxSizePerMsg !== undefined && { maxSizePerMsg: opts.maxSizePerMsg }),
      ...(opts.maxInflightMsgs !== undefined && { maxInflightMsgs: opts.maxInflightMsgs }),
    });
    // Addresses of members named in the stored log (applied again below, but the
    // transport needs them before anything is applied).
    const first = opts.storage.firstIndex();
    const last = opts.storage.lastIndex();
    if (last >= first) this.noteAppended(opts.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
    if (opts.address) this.members.set(opts.id, opts.address);
  }

  async start(): Promise<void> {
    for (const [id, addr] of this.members) if (id !== this.id) this.opts.transport.addPeer(id, addr);
    await this.opts.transport.start({
      onMessage: (m: Message) => {
        if (this.stopped) return;
        this.rn.step(m);
        this.kick();
      },
      onUnreachable: (peer) => {
        if (this.stopped) return;
        this.rn.reportUnreachable(peer);
        this.kick();
      },
      onSnapshotStatus: (peer, ok) => {
        if (this.stopped) return;
        this.rn.reportSnapshot(peer, ok);
        this.kick();
      },
    });
    this.ticker = this.clock.setInterval(() => this.tick(), this.tickMs);
    this.kick();
  }

  // ----- public API ------------------------------------------------------------------

  /** Replicates `data`; resolves with the state machine's result once applied here. */
  propose(data: Uint8Array, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.failure) return Promise.reject(this.failure);
    if (this.soft.state !== 'leader') return Promise.reject(this.notLeader());
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject, deadline: this.clock.now() + timeoutMs, timeoutMs });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flushProposals());
      }
    });
  }

  /** Resolves once the local state machine reflects every write committed before the call. */
  linearizableRead(timeoutMs = this.timeoutMs): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.reads.add({ resolve, reject, deadline: this.clock.now() + timeoutMs, timeoutMs });
      this.startReadRound();
    });
  }

  /** Adds or removes a member, or promotes a learner (addVoter on a learner). */
  proposeConfChange(cc: { type: ConfChange['type']; node: NodeId; address?: string }): Promise<void> {
    if (this.stopped) return Promise.reject(new StoppedError());
    if (this.failure) return Promise.reject(this.failure);
    const change: ConfChange = { type: cc.type, node: cc.node, context: enc.encode(cc.address ?? '') };
    const outcome = this.rn.proposeConfChange(change);
    if (!outcome.ok) return Promise.reject(this.refusal(outcome));
    this.kick();
    return new Promise((resolve, reject) => {
      this.proposals.add(outcome.index, outcome.term, {
        resolve: () => resolve(),
        reject,
        deadline: this.clock.now() + this.timeoutMs,
        timeoutMs: this.timeoutMs,
      });
    });
  }

  /**
   * Hands leadership to `to` (default: the most up-to-date voter) and resolves when this
   * member is no longer the leader.
   */
  async transferLeadership(to?: NodeId, timeoutMs?: number): Promise<void> {
    if (this.soft.state !== 'leader') throw this.notLeader();
    const target = to ?? this.bestTransferee();
    if (!target) throw new ProposalRefusedError('no-target', 'no other voter to transfer leadership to');
    const limit = timeoutMs ?? this.tickMs * (this.opts.electionTick ?? 10) * 2;
    this.rn.transferLeader(target);
    this.kick();
    await this.waitFor(() => this.soft.lead !== this.id, limit, 'leadership transfer');
  }

  /** Starts an election at once (a new single-member cluster; tests). */
  campaign(): void {
    this.rn.campaign();
    this.kick();
  }

  /** Resolves when some leader is known (tests, start-up). */
  waitForLeader(timeoutMs = this.timeoutMs): Promise<NodeId> {
    return this.waitFor(() => this.soft.lead !== NONE, timeoutMs, 'leader election').then(
      () => this.soft.lead,
    );
  }

  status(): Status & { appliedIndex: number; snapshotIndex: number } {
    return { ...this.rn.status(), appliedIndex: this.applied, snapshotIndex: this.snapshotIndex };
  }

  /** The Raft core, for inspection by tests and the simulator's invariant checks. */
  get core(): RawNode {
    return this.rn;
  }

  get isLeader(): boolean {
    return this.soft.state === 'leader';
  }

  get leader(): NodeId {
    return this.soft.lead;
  }

  /**
   * Stops the member. With `transfer`, a leader first hands over leadership so the
   * cluster does not wait an election timeout.
   */
  async stop(opts: { transfer?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    if (opts.transfer && this.isLeader && this.bestTransferee()) {
      try {
        await this.transferLeadership();
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'leadership transfer before stop failed');
      }
    }
    this.stopped = true;
    this.ticker?.cancel();
    const err = new StoppedError();
    this.proposals.rejectAll(err);
    this.reads.rejectAll(err);
    for (const q of this.queue) q.reject(err);
    this.queue = [];
    // Let an in-progress Ready finish persisting before the storage closes.
    await this.waitFor(() => !this.pumping, 5_000, 'stop').catch(() => undefined);
    await this.opts.transport.close();
    await this.opts.storage.close();
  }

  /**
   * Stops at once, as a crash would: no transfer, no waiting for the disk. Whatever was
   * not yet durable is the storage's business (the simulator takes its crash image).
   */
  halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ticker?.cancel();
    const err = new StoppedError();
    this.proposals.rejectAll(err);
    this.reads.rejectAll(err);
    for (const q of this.queue) q.reject(err);
    this.queue = [];
    void this.opts.transport.close();
  }

  // ----- internals -------------------------------------------------------------------

  private tick(): void {
    if (this.stopped) return;
    this.rn.tick();
    const now = this.clock.now();
    this.proposals.sweep(now);
    this.reads.sweep(now);
    for (const q of this.queue)
      if (q.deadline <= now) q.reject(new ProposalTimeoutError('proposal', q.timeoutMs));
    this.queue = this.queue.filter((q) => q.deadline > now);
    this.kick();
  }

  private flushProposals(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0 || this.stopped) return;
    const outcome = this.rn.propose(batch.map((q) => q.data));
    if (!outcome.ok) {
      const err = this.refusal(outcome);
      for (const q of batch) q.reject(err);
      return;
    }
    batch.forEach((q, i) => {
      this.proposals.add(outcome.index + i, outcome.term, q);
    });
    this.kick();
  }

  private startReadRound(): void {
    const round = this.reads.startRound();
    if (!round) return;
    const outcome = this.rn.readIndex(enc.encode(round.ctx));
    if (!outcome.ok) round.fail(this.refusal(outcome));
    this.kick();
  }

  private kick(): void {
    if (this.pumping || this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped || this.failure) return;
    this.pumping = true;
    try {
      while (!this.stopped && this.rn.hasReady()) await this.handleReady(this.rn.ready());
    } catch (e) {
      this.failure = e as Error;
      this.log.error({ err: (e as Error).message }, 'raft driver failed: member stops serving');
      this.proposals.rejectAll(new StoppedError());
      this.reads.rejectAll(new StoppedError());
    } finally {
      this.pumping = false;
    }
    for (const w of this.leaderWaiters.splice(0)) w();
  }

  private async handleReady(rd: Ready): Promise<void> {
    const { storage, transport, stateMachine } = this.opts;
    // 1. Persist. Nothing that depends on it leaves this member before it is durable.
    if (rd.snapshot) await storage.installSnapshot(rd.snapshot);
    if (this.stopped) return;
    if (rd.hardState || rd.entries.length > 0) {
      // A Ready that only moves the commit index needs no sync: it can be recovered.
      await storage.save(rd.hardState ?? null, rd.entries, {
        sync: rd.mustSync || rd.snapshot !== undefined,
      });
    }
    if (this.stopped) return;
    this.noteAppended(rd.entries);
    // 2. Send.
    if (rd.messages.length > 0) transport.send(rd.messages);
    // 3. Apply.
    if (rd.snapshot) {
      const env = openEnvelope(rd.snapshot.data);
      stateMachine.restore(env.app);
      this.members.clear();
      for (const [id, addr] of Object.entries(env.members)) {
        this.members.set(id, addr);
        if (id !== this.id) transport.addPeer(id, addr);
      }
      this.applied = rd.snapshot.meta.index;
      this.appliedConf = rd.snapshot.meta.conf;
      this.snapshotIndex = rd.snapshot.meta.index;
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    // 4. Reads and role changes.
    for (const rs of rd.readStates) this.reads.answer(dec.decode(rs.context), rs.index);
    this.reads.appliedTo(this.applied);
    // Reads that queued while the previous round was in flight go out together now.
    if (rd.readStates.length > 0) this.startReadRound();
    if (rd.softState) this.changeState(rd.softState);
    this.rn.advance(rd);
    // 5. Compact.
    const interval = this.opts.snapshotInterval ?? 10_000;
    if (this.applied - this.snapshotIndex >= interval && !this.stopped) await this.snapshotNow();
  }

  private applyEntry(e: Entry): void {
    let result: unknown;
    if (e.type === 'conf') {
      const { change, conf } = decodeConfChangeEntry(e.data);
      this.appliedConf = conf;
      const address = dec.decode(change.context);
      if (change.type === 'removeNode') {
        this.members.delete(change.node);
        if (change.node !== this.id) this.opts.transport.removePeer(change.node);
      } else if (address) {
        this.members.set(change.node, address);
      }
      if (change.node === this.id && change.type === 'removeNode') {
        this.log.warn({ index: e.index }, 'this member was removed from the cluster');
      }
      this.opts.onConfChange?.(change, conf, e.index);
    } else if (e.data.byteLength > 0) {
      result = this.opts.stateMachine.apply(e.data, e.index);
    }
    this.applied = e.index;
    this.opts.onApply?.(e);
    this.proposals.applied(e.index, e.term, result);
  }

  /** Conf entries reach the transport as soon as they are in the log (effective on append). */
  private noteAppended(ents: readonly Entry[]): void {
    for (const e of ents) {
      if (e.type !== 'conf') continue;
      const { change } = decodeConfChangeEntry(e.data);
      const address = dec.decode(change.context);
      if (change.type !== 'removeNode' && address && change.node !== this.id) {
        this.members.set(change.node, address);
        this.opts.transport.addPeer(change.node, address);
      }
    }
  }

  private async snapshotNow(): Promise<void> {
    const data = sealEnvelope({
      members: Object.fromEntries(this.members),
      app: this.opts.stateMachine.snapshot(),
    });
    const snap = await this.opts.storage.createSnapshot(
      this.applied,
      this.appliedConf,
      data,
      this.opts.keepEntries ?? 500,
    );
    this.snapshotIndex = snap.meta.index;
    this.log.debug({ index: snap.meta.index }, 'snapshot taken, log compacted');
  }

  private changeState(ss: SoftState): void {
    const prev = this.soft;
    this.soft = ss;
    if (prev.lead !== ss.lead) {
      this.log.info({ lead: ss.lead || null, state: ss.state, term: this.rn.raft.term }, 'leader changed');
      // A ReadIndex round in flight is answered by the old leader or not at all.
      this.reads.abandonInflight(this.notLeader('leadership changed during a read; retry'));
      this.startReadRound();
    }
    this.opts.onStateChange?.(ss);
  }

  /** The most up-to-date voter that is answering (a leader hands over to a live member). */
  private bestTransferee(): NodeId | undefined {
    const st = this.rn.status();
    let best: NodeId | undefined;
    let bestMatch = -1;
    for (const v of st.conf.voters) {
      if (v === this.id) continue;
      const p = st.progress.get(v);
      if (!p?.recentActive) continue;
      const m = p.match;
      if (m > bestMatch) {
        best = v;
        bestMatch = m;
      }
    }
    return best;
  }

  private waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.leaderWaiters = this.leaderWaiters.filter((w) => w !== check);
        reject(new ProposalTimeoutError(what, timeoutMs));
      }, timeoutMs);
      const check = (): void => {
        if (cond()) {
          timer.cancel();
          resolve();
        } else this.leaderWaiters.push(check);
      };
      this.leaderWaiters.push(check);
    });
  }

  private notLeader(detail?: string): NotLeaderError {
    const lead = this.soft.lead;
    return new NotLeaderError(lead, lead ? this.members.get(lead) : undefined, detail);
  }

  private refusal(o: Extract<ProposeOutcome, { ok: false }>): Error {
    if (o.reason === 'not-leader') return this.notLeader();
    return new ProposalRefusedError(o.reason, o.message);
  }
}
