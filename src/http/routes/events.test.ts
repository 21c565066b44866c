import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Filters } from '../../manager/controlapi/index.ts';
import type { EventMessage } from '../backend.ts';
import { eventually, type Harness, startHarness } from '../testing/harness.ts';
import { eventMatches } from './events.ts';

const lines = (chunks: Buffer[]): EventMessage[] =>
  Buffer.concat(chunks)
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

const seconds = (ms: number) => (ms / 1000).toFixed(9);

describe('/events', () => {
  let h: Harness;
  let started = 0;
  before(async () => {
    h = await startHarness({ init: true });
    started = Date.now() - 1000;
    await h.request('POST', '/networks/create', { body: { Name: 'back', Driver: 'overlay' } });
    await h.request('POST', '/services/create', {
      body: {
        Name: 'web',
        Mode: { Replicated: { Replicas: 1 } },
        TaskTemplate: { ContainerSpec: { Image: 'nginx:1' } },
      },
    });
  });
  after(() => h.close());

  it('replays remembered events in a since/until window, then ends', async () => {
    const until = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    const a = await h.request('GET', `/events?since=${seconds(started)}&until=${seconds(until)}`);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'application/json');
    const ms = lines([a.raw]);
    assert.deepEqual(
      ms.map((m) => `${m.Type} ${m.Action} ${m.Actor.Attributes.name}`),
      ['network create back', 'service create web'],
    );
    const m = ms[1] as EventMessage;
    assert.equal(m.scope, 'swarm');
    assert.equal(m.time, Math.floor(m.timeNano / 1e9));
    const onlyNetworks = await h.request(
      'GET',
      `/events?since=${seconds(started)}&until=${seconds(until)}&filters=${encodeURIComponent('{"type":["network"]}')}`,
    );
    assert.deepEqual(
      lines([onlyNetworks.raw]).map((x) => x.Type),
      ['network'],
    );
    const byService = await h.request(
      'GET',
      `/events?since=${seconds(started)}&until=${seconds(until)}&filters=${encodeURIComponent('{"service":{"we":true}}')}`,
    );
    assert.deepEqual(
      lines([byService.raw]).map((x) => x.Actor.Attributes.name),
      ['web'],
    );
  });

  it('streams live events with Docker’s attributes until the client leaves', async () => {
    const s = await h.stream('/events');
    assert.equal(s.status, 200);
    const svc = (await h.request('GET', '/services/web')).json;
    await h.request('POST', `/services/web/update?version=${svc.Version.Index}`, {
      body: {
        ...svc.Spec,
        Mode: { Replicated: { Replicas: 3 } },
        TaskTemplate: { ContainerSpec: { Image: 'nginx:2' } },
      },
    });
    const node = (await h.request('GET', `/nodes/${h.backend.nodeId}`)).json;
    await h.request('POST', `/nodes/${node.ID}/update?version=${node.Version.Index}`, {
      body: { ...node.Spec, Availability: 'pause' },
    });
    await h.request('DELETE', '/networks/back');
    await eventually(() => assert.equal(lines(s.chunks).length, 3));
    const [update, nodeUpdate, remove] = lines(s.chunks) as [EventMessage, EventMessage, EventMessage];
    assert.deepEqual(update.Actor, {
      ID: svc.ID,
      Attributes: {
        name: 'web',
        'image.old': 'nginx:1',
        'image.new': 'nginx:2',
        'replicas.old': '1',
        'replicas.new': '3',
      },
    });
    assert.deepEqual(nodeUpdate.Actor.Attributes, {
      name: 'shoal-test',
      'availability.old': 'active',
      'availability.new': 'pause',
    });
    assert.deepEqual(
      [remove.Type, remove.Action, remove.Actor.Attributes.name],
      ['network', 'remove', 'back'],
    );
    const listeners = h.backend.eventLog.subscribers;
    s.close();
    await s.ended;
    await eventually(() => assert.equal(h.backend.eventLog.subscribers, listeners - 1));
  });

  it('ends at a future until, after replaying what it remembers (Docker does too)', async () => {
    const s = await h.stream(`/events?until=${seconds(Date.now() + 150)}`);
    await s.ended;
    assert.equal(lines(s.chunks)[0]?.Actor.Attributes.name, 'back');
    const none = await h.stream(
      `/events?until=${seconds(Date.now() + 100)}&filters=${encodeURIComponent('{"type":["config"]}')}`,
    );
    await none.ended;
    assert.deepEqual(lines(none.chunks), []);
  });

  it('filters as moby’s events Filter', () => {
    const m = (Type: string, Action: string, ID: string, name: string): EventMessage => ({
      Type,
      Action,
      Actor: { ID, Attributes: { name, 'availability.new': 'drain' } },
      scope: 'swarm',
      time: 0,
      timeNano: 0,
    });
    const node = m('node', 'update', 'abc123', 'worker-1');
    const f = (x: unknown) => Filters.parse(x as Record<string, unknown>);
    assert.ok(eventMatches(f({ node: ['abc'] }), node), 'id prefix');
    assert.ok(eventMatches(f({ node: { 'worker-1': true } }), node), 'name');
    assert.ok(!eventMatches(f({ node: ['xyz'] }), node));
    assert.ok(
      !eventMatches(f({ service: ['abc'] }), m('network', 'create', 'n1', 'back')),
      'a service filter hides the rest',
    );
    assert.ok(eventMatches(f({ type: ['node'], event: ['update'], scope: ['swarm'] }), node));
    assert.ok(!eventMatches(f({ event: ['upd'] }), node), 'actions match exactly');
    assert.ok(eventMatches(f({ label: ['availability.new=drain'] }), node));
    assert.ok(!eventMatches(f({ label: ['availability.new=active'] }), node));
  });

  it('refuses bad times', async () => {
    const bad = await h.request('GET', '/events?since=10m');
    assert.deepEqual(
      [bad.status, bad.json.message],
      [400, 'strconv.ParseInt: parsing "10m": invalid syntax'],
    );
    const backwards = await h.request('GET', '/events?since=20&until=10');
    assert.deepEqual(
      [backwards.status, backwards.json.message],
      [400, '`since` time (20) cannot be after `until` time (10)'],
    );
  });
});
