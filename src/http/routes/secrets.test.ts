import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../testing/harness.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('/secrets and /configs', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ init: true });
  });
  after(() => h.close());

  it('creates (201 {ID}), inspects and lists a secret without ever showing its data', async () => {
    const created = await h.request('POST', '/secrets/create', {
      body: { Name: 'pw', Labels: { a: '1' }, Data: b64('hunter2') },
    });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json), ['ID']);
    const s = (await h.request('GET', '/secrets/pw')).json;
    assert.equal(s.ID, created.json.ID);
    assert.deepEqual(s.Spec, { Name: 'pw', Labels: { a: '1' } });
    const listed = (await h.request('GET', '/secrets')).json;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].Spec.Data, undefined);
    assert.equal(
      (await h.request('GET', `/secrets?filters=${encodeURIComponent('{"names":["pw"]}')}`)).json.length,
      1,
    );
    assert.equal(
      (await h.request('GET', `/secrets?filters=${encodeURIComponent('{"name":{"x":true}}')}`)).json.length,
      0,
    );
  });

  it('refuses what Docker refuses', async () => {
    const taken = await h.request('POST', '/secrets/create', { body: { Name: 'pw', Data: b64('x') } });
    assert.deepEqual(
      [taken.status, taken.json.message],
      [409, 'rpc error: code = AlreadyExists desc = secret pw already exists'],
    );
    const empty = await h.request('POST', '/secrets/create', { body: { Name: 'e' } });
    assert.deepEqual(
      [empty.status, empty.json.message],
      [
        400,
        'rpc error: code = InvalidArgument desc = secret data must be larger than 0 and less than 512000 bytes',
      ],
    );
    const badB64 = await h.request('POST', '/secrets/create', { body: { Name: 'e', Data: '!!!' } });
    assert.deepEqual(
      [badB64.status, badB64.json.message],
      [400, 'invalid JSON: illegal base64 data at input byte 0'],
    );
    const templating = await h.request('POST', '/v1.36/secrets/create', {
      body: { Name: 't', Data: b64('x'), Templating: { Name: 'golang' } },
    });
    assert.equal(
      templating.json.message,
      'secret templating is not supported on the specified API version: 1.36',
    );
  });

  it('updates labels only, at a version', async () => {
    const s = (await h.request('GET', '/secrets/pw')).json;
    const ok = await h.request('POST', `/secrets/${s.ID}/update?version=${s.Version.Index}`, {
      body: { ...s.Spec, Labels: { a: '2' } },
    });
    assert.deepEqual([ok.status, ok.text], [200, '']);
    assert.deepEqual((await h.request('GET', '/secrets/pw')).json.Spec.Labels, { a: '2' });
    const badVersion = await h.request('POST', `/secrets/${s.ID}/update?version=v`, { body: s.Spec });
    assert.deepEqual([badVersion.status, badVersion.json.message], [400, 'invalid secret version']);
    const cur = (await h.request('GET', '/secrets/pw')).json;
    const data = await h.request('POST', `/secrets/pw/update?version=${cur.Version.Index}`, {
      body: { ...cur.Spec, Data: b64('other') },
    });
    assert.deepEqual(
      [data.status, data.json.message],
      [400, 'rpc error: code = InvalidArgument desc = only updates to Labels are allowed'],
    );
  });

  it('refuses to remove a secret in use, then removes it (204)', async () => {
    const s = (await h.request('GET', '/secrets/pw')).json;
    await h.request('POST', '/services/create', {
      body: {
        Name: 'web',
        TaskTemplate: {
          ContainerSpec: {
            Image: 'nginx',
            Secrets: [
              { SecretID: s.ID, SecretName: 'pw', File: { Name: 'pw', UID: '0', GID: '0', Mode: 292 } },
            ],
          },
        },
      },
    });
    const busy = await h.request('DELETE', '/secrets/pw');
    assert.deepEqual(
      [busy.status, busy.json.message],
      [400, "rpc error: code = InvalidArgument desc = secret 'pw' is in use by the following service: web"],
    );
    await h.request('DELETE', '/services/web');
    const gone = await h.request('DELETE', '/secrets/pw');
    assert.deepEqual([gone.status, gone.text], [204, '']);
    assert.deepEqual((await h.request('GET', '/secrets/pw')).json, { message: 'secret pw not found' });
  });

  it('does the same for configs, whose data is shown', async () => {
    const created = await h.request('POST', '/configs/create', { body: { Name: 'cfg', Data: b64('a=1') } });
    assert.equal(created.status, 201);
    const c = (await h.request('GET', '/configs/cfg')).json;
    assert.deepEqual(c.Spec, { Name: 'cfg', Labels: {}, Data: b64('a=1') });
    assert.equal((await h.request('GET', '/configs')).json.length, 1);
    const names = await h.request('GET', `/configs?filters=${encodeURIComponent('{"names":["cfg"]}')}`);
    assert.deepEqual([names.status, names.json.message], [400, "Invalid filter 'names'"]);
    const up = await h.request('POST', `/configs/cfg/update?version=${c.Version.Index}`, {
      body: { ...c.Spec, Labels: { x: 'y' } },
    });
    assert.equal(up.status, 200);
    const bad = await h.request('POST', '/configs/cfg/update', { body: c.Spec });
    assert.equal(bad.json.message, 'invalid config version');
    assert.equal((await h.request('DELETE', '/configs/cfg')).status, 204);
    assert.equal((await h.request('DELETE', '/configs/cfg')).status, 404);
  });
});
