import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Demux, formatLine, parseLine } from './log-lines.ts';

const frame = (stream: number, text: string) => {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([h, Buffer.from(text)]);
};

describe('service logs', () => {
  it('demultiplexes frames split anywhere', () => {
    const d = new Demux();
    const bytes = Buffer.concat([frame(1, 'a\n'), frame(2, 'bb\n')]);
    assert.deepEqual(d.push(bytes.subarray(0, 5)), []);
    const frames = d.push(bytes.subarray(5));
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [
        [1, 'a\n'],
        [2, 'bb\n'],
      ],
    );
  });
  it('prefixes lines with service.slot.task@node', () => {
    const line =
      'com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1234567890abcdef hello world';
    const p = parseLine(line, false);
    const names = { serviceName: () => 'web', nodeName: () => 'shoal-1', slot: () => '1', maxSlotWidth: 1 };
    assert.equal(
      formatLine(p, names, { raw: false, trunc: true, taskIds: true, timestamps: false }),
      'web.1.t1234567890a@shoal-1    | hello world',
    );
    assert.equal(
      formatLine(p, names, { raw: true, trunc: true, taskIds: true, timestamps: false }),
      'hello world',
    );
    const ts = parseLine(`2026-01-01T00:00:00.000000000Z ${line}`, true);
    assert.equal(
      formatLine(ts, names, { raw: false, trunc: true, taskIds: false, timestamps: true }),
      '2026-01-01T00:00:00.000000000Z web.1@shoal-1    | hello world',
    );
  });
});
