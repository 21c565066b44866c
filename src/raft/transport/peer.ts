/**
 * The sending half for one peer: a bounded queue, one long-lived Stream call that carries
 * everything queued since the last write as one MessageBatch, and reconnection with
 * backoff. Snapshots go on their own SendSnapshot call (snapshot.ts), one at a time.
 *
 * Failure rules (etcd's): a full queue drops the new message; a broken stream drops what
 * was queued; while backing off, messages are dropped. Each drop is reported as the peer
 * being unreachable, and Raft slows down to probing until the peer answers again.
 */
import * as grpc from '@grpc/grpc-js';
import type { Timer } from '../../base/clock.ts';
import type { Logger } from '../../base/logger.ts';
import { type MessageBatch, RaftClient, type SnapshotChunk } from '../../gen/shoal/raft/v1/raft.ts';
import type { Message, NodeId } from '../core/types.ts';
import { messageSize, messageToPb } from './codec.ts';
import type { ResolvedOptions } from './options.ts';
import { snapshotDeadlineMs, streamSnapshot } from './snapshot.ts';

export interface PeerReports {
  unreachable(peer: NodeId): void;
  snapshotStatus(peer: NodeId, ok: boolean): void;
}

/** A stream that stayed up this long counts as a success: the next failure backs off from the start. */
const HEALTHY_MS = 1000;

export class Peer {
  private readonly client: RaftClient;
  private readonly log: Logger;
  private queue: Message[] = [];
  private stream: grpc.ClientWritableStream<MessageBatch> | undefined;
  private connectedAt: number | undefined;
  /** Waiting for the stream's 'drain'. */
  private blocked = false;
  /** The queue overflowed since the last write (logs once per episode). */
  private dropping = false;
  private flushHandle: NodeJS.Immediate | undefined;
  private backoffTimer: Timer | undefined;
  private failures = 0;
  private snapshotCall: grpc.ClientWritableStream<SnapshotChunk> | undefined;
  private closed = false;

  constructor(
    readonly id: NodeId,
    readonly address: string,
    credentials: grpc.ChannelCredentials,
    channelOptions: grpc.ChannelOptions,
    private readonly opts: ResolvedOptions,
    private readonly reports: PeerReports,
  ) {
    this.client = new RaftClient(address, credentials, channelOptions);
    this.log = opts.logger.child({ peer: id, address });
    this.keepConnected();
  }

  send(m: Message): void {
    if (this.closed) return;
    if (m.type === 'snap') {
      this.sendSnapshot(m);
      return;
    }
    if (this.backoffTimer !== undefined) {
      this.reports.unreachable(this.id);
      return;
    }
    if (messageSize(m) > this.opts.maxMessageBytes) {
      this.log.error({ type: m.type, bytes: messageSize(m) }, 'message over the size limit dropped');
      this.reports.unreachable(this.id);
      return;
    }
    if (this.queue.length >= this.opts.maxQueue) {
      if (!this.dropping) this.log.warn({ queued: this.queue.length }, 'send queue full, dropping messages');
      this.dropping = true;
      this.reports.unreachable(this.id);
      return;
    }
    this.queue.push(m);
    this.flushHandle ??= setImmediate(() => this.flush());
  }

  /**
   * Cancels the calls and closes the channel; queued messages are dropped. Returns true if
   * a snapshot was in flight (its status is then the caller's to report, or not).
   */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    const hadSnapshot = this.snapshotCall !== undefined;
    this.queue = [];
    if (this.flushHandle !== undefined) clearImmediate(this.flushHandle);
    this.backoffTimer?.cancel();
    this.stream?.cancel();
    this.snapshotCall?.cancel();
    this.stream = undefined;
    this.snapshotCall = undefined;
    this.client.close();
    return hadSnapshot;
  }

  /**
   * Keeps the connection to the peer up while nothing is sent (grpc-js connects only on
   * demand and drops to IDLE when a connection ends). Followers talk to each other only in
   * an election: over a cold connection the first vote request waits for TCP + TLS (about
   * 10-15 ms on a loaded 2-core machine), long enough for the other follower to start
   * campaigning too and split the vote, which costs another election timeout (1-2 s).
   * While the peer is down, grpc-js retries with the channel's reconnect backoff.
   */
  private keepConnected(): void {
    const channel = this.client.getChannel();
    const watch = (): void => {
      if (this.closed) return;
      const state = channel.getConnectivityState(true);
      if (state === grpc.connectivityState.SHUTDOWN) return;
      channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, watch);
    };
    watch();
  }

  private flush(): void {
    this.flushHandle = undefined;
    if (this.closed || this.blocked || this.queue.length === 0) return;
    const stream = this.stream ?? this.open();
    this.dropping = false;
    while (this.queue.length > 0 && !this.blocked) {
      const batch = this.takeBatch();
      if (!stream.write({ messages: batch.map((m) => messageToPb(m)) })) this.blocked = true;
    }
  }

  /** The longest prefix of the queue within maxBatchBytes (at least one message). */
  private takeBatch(): Message[] {
    let bytes = 0;
    let n = 0;
    for (const m of this.queue) {
      bytes += messageSize(m);
      if (n > 0 && bytes > this.opts.maxBatchBytes) break;
      n++;
    }
    if (n === this.queue.length) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    return this.queue.splice(0, n);
  }

  private open(): grpc.ClientWritableStream<MessageBatch> {
    const call = this.client.stream((err) => this.onStreamEnd(call, err));
    // The receiver sends its headers once it has accepted the stream.
    call.on('metadata', () => {
      if (this.stream !== call) return;
      this.connectedAt = this.opts.clock.now();
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'peer reachable again');
    });
    call.on('drain', () => {
      if (this.stream !== call) return;
      this.blocked = false;
      this.flush();
    });
    this.stream = call;
    this.connectedAt = undefined;
    return call;
  }

  private onStreamEnd(call: grpc.ClientWritableStream<MessageBatch>, err: grpc.ServiceError | null): void {
    if (this.stream !== call || this.closed) return;
    this.stream = undefined;
    this.blocked = false;
    const dropped = this.queue.length;
    this.queue = [];
    if (this.connectedAt !== undefined && this.opts.clock.now() - this.connectedAt >= HEALTHY_MS) {
      this.failures = 0;
    }
    this.failures++;
    const { initialMs, maxMs } = this.opts.backoff;
    const delay =
      Math.min(maxMs, initialMs * 2 ** Math.min(this.failures - 1, 20)) * (0.8 + 0.4 * this.opts.rng.next());
    const fields = {
      code: err?.code ?? grpc.status.OK,
      error: err?.details ?? 'stream ended',
      dropped,
      retryMs: Math.round(delay),
    };
    if (this.failures === 1) this.log.warn(fields, 'peer unreachable');
    else this.log.debug({ ...fields, failures: this.failures }, 'peer still unreachable');
    this.reports.unreachable(this.id);
    this.backoffTimer = this.opts.clock.setTimeout(() => {
      this.backoffTimer = undefined;
    }, delay);
  }

  private sendSnapshot(m: Message): void {
    if (this.snapshotCall !== undefined) {
      this.log.warn({ index: m.snapshot?.meta.index }, 'a snapshot is already in flight; dropping this one');
      this.reports.snapshotStatus(this.id, false);
      return;
    }
    const bytes = m.snapshot?.data.byteLength ?? 0;
    const started = this.opts.clock.now();
    const deadline = new Date(this.opts.clock.wallNow() + snapshotDeadlineMs(bytes));
    const call = streamSnapshot(this.client, m, this.opts.chunkBytes, deadline, (err) => {
      if (this.snapshotCall !== call || this.closed) return;
      this.snapshotCall = undefined;
      const fields = {
        index: m.snapshot?.meta.index,
        bytes,
        ms: Math.round(this.opts.clock.now() - started),
      };
      if (err === null) {
        this.log.info(fields, 'snapshot sent');
      } else {
        this.log.warn({ ...fields, error: err.message }, 'snapshot failed');
        if ((err as grpc.ServiceError).code === grpc.status.UNAVAILABLE) this.reports.unreachable(this.id);
      }
      this.reports.snapshotStatus(this.id, err === null);
    });
    this.snapshotCall = call;
  }
}
