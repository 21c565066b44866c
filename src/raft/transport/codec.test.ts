/**
 * The wire codec: every message type and field survives encode/decode through the
 * generated protobuf code; decoded payloads are plain copies; unknown types are refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message as PbMessage } from '../../gen/shoal/raft/v1/raft.ts';
import { MESSAGE_TYPES, type Message, message } from '../core/types.ts';
import { CodecError, messageFromPb, messageSize, messageToPb } from './codec.ts';

function roundTrip(m: Message, withSnapshotData = true): Message {
  return messageFromPb(PbMessage.decode(PbMessage.encode(messageToPb(m, withSnapshotData)).finish()));
}

describe('codec', () => {
  it('round-trips every message type with every field set', () => {
    for (const type of MESSAGE_TYPES) {
      const m = message({
        type,
        from: 'node-a',
        to: 'node-b',
        term: 2 ** 40 + 3,
        logTerm: 7,
        index: 2 ** 45,
        commit: 99,
        reject: true,
        rejectHint: 12,
        force: true,
        entries: [
          { term: 1, index: 2, type: 'normal', data: new Uint8Array([1, 2, 3]) },
          { term: 1, index: 3, type: 'conf', data: new Uint8Array(0) },
        ],
        context: new Uint8Array([9, 9]),
        snapshot: {
          meta: { index: 5, term: 4, conf: { voters: ['a', 'b'], learners: ['c'] } },
          data: new Uint8Array([4, 5]),
        },
      });
      assert.deepEqual(roundTrip(m), m);
    }
  });

  it('keeps optional payloads absent and zero fields zero', () => {
    const m = message({ type: 'heartbeat', from: 'a', to: 'b' });
    const back = roundTrip(m);
    assert.deepEqual(back, m);
    assert.ok(!('snapshot' in back));
    assert.ok(!('context' in back));
  });

  it('sends a snapshot envelope without its data', () => {
    const meta = { index: 5, term: 4, conf: { voters: ['a'], learners: [] } };
    const m = message({ type: 'snap', from: 'a', to: 'b', snapshot: { meta, data: new Uint8Array(1000) } });
    assert.deepEqual(roundTrip(m, false).snapshot, { meta, data: new Uint8Array(0) });
  });

  it('decodes payloads into plain arrays that do not share the frame', () => {
    const m = message({
      type: 'app',
      from: 'a',
      to: 'b',
      entries: [{ term: 1, index: 1, type: 'normal', data: new Uint8Array([1, 2, 3]) }],
    });
    const frame = Buffer.from(PbMessage.encode(messageToPb(m)).finish());
    const back = messageFromPb(PbMessage.decode(frame));
    const data = back.entries[0]!.data;
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype);
    frame.fill(0);
    assert.deepEqual(data, new Uint8Array([1, 2, 3]));
  });

  it('refuses unknown message and entry types', () => {
    const pb = messageToPb(message({ type: 'app', from: 'a', to: 'b' }));
    assert.throws(() => messageFromPb({ ...pb, type: 99 as never }), CodecError);
    assert.throws(() => messageFromPb({ ...pb, type: 0 }), CodecError);
    const entry = { term: 1, index: 1, type: 7 as never, data: new Uint8Array(0) };
    assert.throws(() => messageFromPb({ ...pb, entries: [entry] }), CodecError);
  });

  it('estimates sizes at or above the encoded size', () => {
    const m = message({
      type: 'app',
      from: 'a'.repeat(25),
      to: 'b'.repeat(25),
      term: 2 ** 50,
      index: 2 ** 50,
      logTerm: 2 ** 50,
      commit: 2 ** 50,
      entries: Array.from({ length: 10 }, (_, i) => ({
        term: 2 ** 50,
        index: 2 ** 50 + i,
        type: 'conf' as const,
        data: new Uint8Array(300),
      })),
      context: new Uint8Array(40),
    });
    assert.ok(messageSize(m) >= PbMessage.encode(messageToPb(m)).finish().byteLength);
  });
});
