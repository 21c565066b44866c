import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogMessage, LogsRequest } from './backend.ts';
import {
  applyLogOptions,
  details,
  formatTimestamp,
  frame,
  logLine,
  parseTail,
  parseUnixTimestamp,
  queryEscape,
} from './logs.ts';

const msg = (
  taskId: string,
  line: string,
  time: number,
  stream: 'stdout' | 'stderr' = 'stdout',
): LogMessage => ({
  time,
  stream,
  line,
  context: { nodeId: 'n1', serviceId: 's1', taskId },
});

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('log framing', () => {
  it('frames with stdcopy’s 8-byte header', () => {
    const f = frame(2, Buffer.from('hi\n'));
    assert.deepEqual([...f.subarray(0, 8)], [2, 0, 0, 0, 0, 0, 0, 3]);
    assert.equal(f.subarray(8).toString(), 'hi\n');
  });

  it('writes the details the CLI parses: sorted, query-escaped, context last by name', () => {
    const m = { ...msg('t1', 'x', 0), attrs: { 'a key': 'v=1,2', zeta: '!' } };
    assert.equal(
      details(m),
      'a+key=v%3D1%2C2,com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1,zeta=%21',
    );
    assert.equal(queryEscape("a b*'()~"), 'a+b%2A%27%28%29~');
  });

  it('formats RFC3339NanoFixed timestamps in UTC', () => {
    assert.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 123)), '2025-01-02T03:04:05.123000000Z');
    assert.equal(formatTimestamp(Date.UTC(2025, 0, 2) + 0.5), '2025-01-02T00:00:00.000500000Z');
  });

  it('builds a line: timestamp, details, text, one newline', () => {
    const m = msg('t1', 'hello', Date.UTC(2025, 0, 1));
    assert.equal(logLine(m, { details: false, timestamps: false }).toString(), 'hello\n');
    assert.equal(logLine({ ...m, line: 'x\n' }, { details: false, timestamps: false }).toString(), 'x\n');
    assert.equal(
      logLine(m, { details: true, timestamps: true }).toString(),
      '2025-01-01T00:00:00.000000000Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello\n',
    );
  });

  it('parses tail and since with Docker’s words', () => {
    assert.equal(parseTail(null), undefined);
    assert.equal(parseTail('all'), undefined);
    assert.equal(parseTail('5'), 5);
    assert.equal(
      message(() => parseTail('x')),
      'tail value must be a positive integer or "all"',
    );
    assert.equal(
      message(() => parseTail('-1')),
      'negative tail values not supported',
    );
    assert.equal(parseUnixTimestamp('1700000000', ''), 1700000000000);
    assert.equal(parseUnixTimestamp('1700000000.5', ''), 1700000000500);
    assert.equal(parseUnixTimestamp('1700000000.000001', ''), 1700000000000.001);
    assert.equal(
      message(() => parseUnixTimestamp('10m', 'could not parse since timestamp: ')),
      'could not parse since timestamp: strconv.ParseInt: parsing "10m": invalid syntax',
    );
  });

  it('applies selection, since and a per-task tail to a history', () => {
    const h = [
      msg('t1', 'a', 1),
      msg('t2', 'b', 2),
      msg('t1', 'c', 3, 'stderr'),
      msg('t1', 'd', 4),
      msg('t3', 'x', 5),
    ];
    h[4] = { ...(h[4] as LogMessage), context: { nodeId: 'n', serviceId: 'other', taskId: 't3' } };
    const req: LogsRequest = {
      serviceIds: ['s1'],
      taskIds: [],
      follow: false,
      tail: undefined,
      since: undefined,
      stdout: true,
      stderr: true,
    };
    const lines = (r: Partial<LogsRequest>) => applyLogOptions(h, { ...req, ...r }).map((m) => m.line);
    assert.deepEqual(lines({}), ['a', 'b', 'c', 'd']);
    assert.deepEqual(lines({ tail: 1 }), ['b', 'd']);
    assert.deepEqual(lines({ tail: 0 }), []);
    assert.deepEqual(lines({ since: 3 }), ['c', 'd']);
    assert.deepEqual(lines({ stderr: false }), ['a', 'b', 'd']);
    assert.deepEqual(lines({ serviceIds: [], taskIds: ['t3'] }), ['x']);
  });
});
