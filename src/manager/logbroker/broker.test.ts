// The log broker with real agents and dispatcher sessions (virtual time, fake executors):
// a service's logs from every node, tail, follow with new lines and new tasks, cancel.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeTask, startAgent } from '../../agent/testkit.ts';
import { nullLogger } from '../../base/logger.ts';
import type { LogRecord, LogSubscription } from '../../rpc/logs.ts';
import { type Harness, harness } from '../dispatcher/testkit.ts';
import { LogBroker } from './broker.ts';

const text = (r: LogRecord): string => Buffer.from(r.data).toString('utf8');

/** Collects a subscription's records while virtual time runs, until `done` says so. */
function collect(h: Harness, broker: LogBroker, sub: LogSubscription) {
  const abort = new AbortController();
  const got: LogRecord[] = [];
  let ended = false;
  const finished = (async () => {
    for await (const batch of broker.subscribe(sub, abort.signal)) got.push(...batch);
    ended = true;
  })();
  return {
    got,
    abort,
    get ended() {
      return ended;
    },
    finished,
    until: (cond: () => boolean, ms = 10_000) => h.run(cond, ms),
  };
}

async function twoNodes() {
  const h = harness();
  const broker = new LogBroker({ store: h.store, dispatcher: h.dispatcher(), logger: nullLogger });
  await h.store.update((tx) => {
    tx.tasks.create(fakeTask('t1', 'n1', {}, { ServiceID: 'web' }));
    tx.tasks.create(fakeTask('t2', 'n2', {}, { ServiceID: 'web' }));
    tx.tasks.create(fakeTask('t3', 'n2', {}, { ServiceID: 'db' }));
  });
  const a1 = await startAgent(h, 'n1');
  const a2 = await startAgent(h, 'n2');
  const running = () => ['t1', 't2', 't3'].every((id) => h.taskState(id) === 'running');
  assert.ok(await h.run(running, 20_000), 'tasks running');
  return { h, broker, a1, a2 };
}

describe('LogBroker', () => {
  it('gathers a service’s lines from every node, and ends when every node is done', async () => {
    const { h, broker, a1, a2 } = await twoNodes();
    a1.executor.container('t1')?.log('stdout', 'one from n1\ntwo from n1\n');
    a2.executor.container('t2')?.log('stderr', 'one from n2\n');
    a2.executor.container('t3')?.log('stdout', 'not web\n');
    const c = collect(h, broker, { selector: { serviceIds: ['web'] }, follow: false });
    assert.ok(await c.until(() => c.ended), 'the subscription ended');
    assert.deepEqual(c.got.map(text).sort(), ['one from n1', 'one from n2', 'two from n1']);
    const fromN2 = c.got.find((r) => text(r) === 'one from n2');
    assert.deepEqual(fromN2?.context, { serviceId: 'web', nodeId: 'n2', taskId: 't2' });
    assert.equal(fromN2?.stream, 'stderr');
    await a1.agent.stop();
    await a2.agent.stop();
  });

  it('tail keeps the last lines of each task; streams filter', async () => {
    const { h, broker, a1, a2 } = await twoNodes();
    a1.executor.container('t1')?.log('stdout', 'a\nb\nc\n');
    a2.executor.container('t2')?.log('stdout', 'x\ny\n');
    a2.executor.container('t2')?.log('stderr', 'err\n');
    const c = collect(h, broker, { selector: { serviceIds: ['web'] }, follow: false, tail: 1 });
    assert.ok(await c.until(() => c.ended));
    assert.deepEqual(c.got.map(text).sort(), ['c', 'err']);
    const only = collect(h, broker, { selector: { taskIds: ['t2'] }, follow: false, streams: ['stdout'] });
    assert.ok(await only.until(() => only.ended));
    assert.deepEqual(only.got.map(text), ['x', 'y']);
    await a1.agent.stop();
    await a2.agent.stop();
  });

  it('follow: new lines and new tasks of the service arrive until the subscriber stops', async () => {
    const { h, broker, a1, a2 } = await twoNodes();
    const c = collect(h, broker, { selector: { serviceIds: ['web'] }, follow: true });
    await h.advance(500);
    a1.executor.container('t1')?.log('stdout', 'later\n');
    assert.ok(await c.until(() => c.got.some((r) => text(r) === 'later')), 'a new line');
    await h.store.update((tx) => tx.tasks.create(fakeTask('t4', 'n1', {}, { ServiceID: 'web' })));
    assert.ok(await h.run(() => h.taskState('t4') === 'running', 10_000));
    await h.advance(200);
    a1.executor.container('t4')?.log('stdout', 'from a new task\n');
    assert.ok(await c.until(() => c.got.some((r) => text(r) === 'from a new task')), 'a new task');
    assert.equal(c.ended, false);
    c.abort.abort();
    assert.ok(await c.until(() => c.ended), 'ends at abort');
    await c.finished;
    await h.advance(200);
    assert.equal(a1.agent.logSubscriptions, 0, 'the agent stopped reading');
    await a1.agent.stop();
    await a2.agent.stop();
  });

  it('a node whose session is lost ends its part of the subscription', async () => {
    const { h, broker, a1, a2 } = await twoNodes();
    const c = collect(h, broker, { selector: { serviceIds: ['web'] }, follow: true });
    await h.advance(500);
    await a2.agent.stop();
    a1.executor.container('t1')?.log('stdout', 'still here\n');
    assert.ok(await c.until(() => c.got.some((r) => text(r) === 'still here')));
    c.abort.abort();
    assert.ok(await c.until(() => c.ended));
    await a1.agent.stop();
  });
});
