/**
 * How Raft messages travel between members. The driver hands over each Ready's messages
 * at once; a transport batches them per peer, never blocks and never throws: a peer that
 * cannot be reached is reported through the handler, and the core then slows down
 * replication to it (probe state) until it answers again.
 *
 * Implementations: SimTransport (src/sim/, in-memory, partitionable, deterministic) and
 * GrpcTransport (grpc.ts, gRPC over mutual TLS between processes). Snapshots ('snap'
 * messages) are streamed in chunks by the network implementation.
 */
import type { Message, NodeId } from '../core/types.ts';

export interface TransportHandler {
  /** A message arrived for the local member. */
  onMessage(msg: Message): void;
  /** A message to `peer` could not be delivered (connection refused, reset, timed out). */
  onUnreachable(peer: NodeId): void;
  /** A snapshot sent to `peer` was fully delivered (ok) or failed part way (not ok). */
  onSnapshotStatus(peer: NodeId, ok: boolean): void;
}

export interface Transport {
  /** Starts accepting messages for the local member, delivering them to `handler`. */
  start(handler: TransportHandler): Promise<void>;
  /** Queues messages for delivery. Messages to unknown peers are reported unreachable. */
  send(messages: readonly Message[]): void;
  /** Learns or updates a peer's address (from a conf change's context or the node list). */
  addPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  /** Closes every connection and the listener; pending messages are dropped. */
  close(): Promise<void>;
}
