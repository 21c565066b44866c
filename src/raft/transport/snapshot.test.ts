/**
 * The receiving side of the snapshot path: chunks assemble in order into one buffer;
 * gaps, overruns, short snapshots, oversize announcements and bad envelopes are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { SnapshotChunk } from '../../gen/shoal/raft/v1/raft.ts';
import { message } from '../core/types.ts';
import { messageToPb } from './codec.ts';
import { SnapshotAssembler, snapshotDeadlineMs } from './snapshot.ts';

const meta = { index: 9, term: 2, conf: { voters: ['a', 'b'], learners: [] } };
const snap = message({
  type: 'snap',
  from: 'a',
  to: 'b',
  term: 2,
  snapshot: { meta, data: new Uint8Array(0) },
});

function chunks(data: Uint8Array, size: number): SnapshotChunk[] {
  const out: SnapshotChunk[] = [];
  for (let off = 0; off === 0 || off < data.byteLength; off += size) {
    out.push({ totalBytes: data.byteLength, offset: off, data: data.subarray(off, off + size) });
  }
  out[0]!.message = messageToPb(snap, false);
  return out;
}

const accept = () => null;

describe('SnapshotAssembler', () => {
  it('assembles chunks into the snapshot message', () => {
    const data = new Uint8Array(1000).map((_, i) => i % 256);
    const a = new SnapshotAssembler(10_000, accept);
    for (const c of chunks(data, 300)) assert.equal(a.add(c), undefined);
    const r = a.finish();
    assert.ok(r.ok);
    assert.deepEqual(r.message, { ...snap, snapshot: { meta, data } });
  });

  it('accepts an empty snapshot (one chunk with the envelope only)', () => {
    const a = new SnapshotAssembler(10, accept);
    for (const c of chunks(new Uint8Array(0), 300)) assert.equal(a.add(c), undefined);
    const r = a.finish();
    assert.ok(r.ok);
    assert.equal(r.message.snapshot?.data.byteLength, 0);
  });

  it('refuses gaps, overruns and short snapshots', () => {
    const data = new Uint8Array(1000);
    const [c0, c1, c2] = chunks(data, 400) as [SnapshotChunk, SnapshotChunk, SnapshotChunk];
    const gap = new SnapshotAssembler(10_000, accept);
    gap.add(c0);
    assert.equal(gap.add(c2)?.ok, false);
    assert.equal(gap.finish().ok, false);

    const over = new SnapshotAssembler(10_000, accept);
    over.add(c0);
    over.add(c1);
    assert.equal(over.add({ ...c2, data: new Uint8Array(300) })?.ok, false);

    const short = new SnapshotAssembler(10_000, accept);
    short.add(c0);
    short.add(c1);
    const r = short.finish();
    assert.ok(!r.ok);
    assert.match(r.reason, /incomplete/);
  });

  it('refuses snapshots above the limit before allocating', () => {
    const a = new SnapshotAssembler(999, accept);
    const r = a.add(chunks(new Uint8Array(1000), 400)[0]!);
    assert.deepEqual(r && !r.ok && r.code, grpc.status.RESOURCE_EXHAUSTED);
  });

  it('refuses a first chunk without a snap message, and what `accept` refuses', () => {
    const [c0] = chunks(new Uint8Array(10), 400) as [SnapshotChunk];
    assert.equal(new SnapshotAssembler(100, accept).add({ ...c0, message: undefined })?.ok, false);
    const heartbeat = messageToPb(message({ type: 'heartbeat', from: 'a', to: 'b' }));
    assert.equal(new SnapshotAssembler(100, accept).add({ ...c0, message: heartbeat })?.ok, false);
    const refusal = { code: grpc.status.PERMISSION_DENIED, reason: 'no' };
    assert.deepEqual(new SnapshotAssembler(100, () => refusal).add(c0), { ok: false, ...refusal });
  });

  it('allows more time for larger snapshots', () => {
    assert.ok(snapshotDeadlineMs(100 << 20) > snapshotDeadlineMs(1 << 20));
    assert.ok(snapshotDeadlineMs(0) >= 30_000);
  });
});
