import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogMessage } from '../backend.ts';
import { eventually, type Harness, startHarness } from '../testing/harness.ts';

/** Splits a multiplexed body into [stream, text] frames. */
function frames(raw: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (let i = 0; i < raw.length; ) {
    const size = raw.readUInt32BE(i + 4);
    out.push([raw[i] as number, raw.subarray(i + 8, i + 8 + size).toString()]);
    i += 8 + size;
  }
  return out;
}

describe('service and task logs', () => {
  let h: Harness;
  let web = '';
  let tasks: string[] = [];
  const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
  const line = (
    taskId: string,
    text: string,
    at: number,
    stream: 'stdout' | 'stderr' = 'stdout',
  ): LogMessage => ({
    time: T0 + at,
    stream,
    line: `${text}\n`,
    context: { nodeId: h.backend.nodeId, serviceId: web, taskId },
  });

  before(async () => {
    h = await startHarness({ init: true });
    web = (
      await h.request('POST', '/services/create', {
        body: {
          Name: 'web',
          Mode: { Replicated: { Replicas: 2 } },
          TaskTemplate: { ContainerSpec: { Image: 'nginx' } },
        },
      })
    ).json.ID;
    await eventually(async () => assert.equal((await h.request('GET', '/tasks')).json.length, 2));
    tasks = (await h.request('GET', '/tasks')).json.map((t: { ID: string; Slot: number }) => t.ID);
    const [a, b] = tasks as [string, string];
    for (const m of [line(a, 'a1', 0), line(b, 'b1', 1), line(a, 'a2', 2, 'stderr'), line(a, 'a3', 3)])
      h.backend.pushLog(m);
  });
  after(() => h.close());

  it('multiplexes lines with details and timestamps the docker CLI parses', async () => {
    const a = await h.request('GET', `/services/web/logs?stdout=1&stderr=1&details=1&timestamps=1`);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'application/vnd.docker.multiplexed-stream');
    const f = frames(a.raw);
    assert.deepEqual(
      f.map(([s]) => s),
      [1, 1, 2, 1],
    );
    const [a0] = tasks;
    assert.equal(
      f[0]?.[1],
      `2025-01-01T12:00:00.000000000Z com.docker.swarm.node.id=${h.backend.nodeId},com.docker.swarm.service.id=${web},com.docker.swarm.task.id=${a0} a1\n`,
    );
  });

  it('selects streams, tails per task, filters by since', async () => {
    const texts = async (q: string) =>
      frames((await h.request('GET', `/services/${web}/logs?${q}`)).raw).map(([, t]) => t.trim());
    assert.deepEqual(await texts('stdout=true'), ['a1', 'b1', 'a3']);
    assert.deepEqual(await texts('stderr=true'), ['a2']);
    assert.deepEqual(await texts('stdout=1&stderr=1&tail=1'), ['b1', 'a3']);
    assert.deepEqual(await texts(`stdout=1&since=${(T0 + 2) / 1000}`), ['a3']);
    assert.deepEqual(await texts(`stdout=1&tail=all`), ['a1', 'b1', 'a3']);
    const task = (await h.request('GET', `/tasks/${tasks[1]}/logs?stdout=1`)).raw;
    assert.deepEqual(
      frames(task).map(([, t]) => t),
      ['b1\n'],
    );
  });

  it('labels the stream raw for clients before 1.42 (still multiplexed without a TTY)', async () => {
    const a = await h.request('GET', '/v1.41/services/web/logs?stdout=1');
    assert.equal(a.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.equal(frames(a.raw).length, 3);
  });

  it('refuses bad parameters and unknown references in Docker’s words', async () => {
    const none = await h.request('GET', '/services/web/logs');
    assert.deepEqual(
      [none.status, none.json.message],
      [400, 'Bad parameters: you must choose at least one stream'],
    );
    const tail = await h.request('GET', '/services/web/logs?stdout=1&tail=x');
    assert.equal(tail.json.message, 'tail value must be a positive integer or "all"');
    const since = await h.request('GET', '/services/web/logs?stdout=1&since=yesterday');
    assert.equal(
      since.json.message,
      'could not parse since timestamp: strconv.ParseInt: parsing "yesterday": invalid syntax',
    );
    const missing = await h.request('GET', '/services/nope/logs?stdout=1');
    assert.deepEqual([missing.status, missing.json.message], [404, 'service nope not found']);
    assert.equal((await h.request('GET', '/tasks/nope/logs?stdout=1')).status, 404);
  });

  it('follows until the client leaves', async () => {
    const s = await h.stream('/services/web/logs?stdout=1&follow=1&tail=0');
    assert.equal(s.status, 200);
    h.backend.pushLog(line(tasks[0] as string, 'live', 10));
    await eventually(() =>
      assert.deepEqual(
        frames(Buffer.concat(s.chunks)).map(([, t]) => t),
        ['live\n'],
      ),
    );
    s.close();
    await s.ended;
  });

  it('writes a TTY service’s lines raw, without frames', async () => {
    const tty = (
      await h.request('POST', '/services/create', {
        body: { Name: 'tty', TaskTemplate: { ContainerSpec: { Image: 'nginx', TTY: true } } },
      })
    ).json.ID;
    h.backend.pushLog({
      time: T0,
      stream: 'stdout',
      line: 'raw line',
      context: { nodeId: 'n', serviceId: tty, taskId: 't' },
    });
    const a = await h.request('GET', '/services/tty/logs?stdout=1&stderr=1');
    assert.equal(a.headers['content-type'], 'application/vnd.docker.raw-stream');
    assert.equal(a.text, 'raw line\n');
  });
});
