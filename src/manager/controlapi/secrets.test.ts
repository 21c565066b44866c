import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileTarget } from '../../api/validate/fixtures.ts';
import { rejects, setup, spec } from './testing.ts';

const data = (s: string) => Buffer.from(s).toString('base64');

function usingSecret(name: string, id: string, secret: string) {
  return spec(name, {
    TaskTemplate: {
      ContainerSpec: {
        Image: 'nginx',
        Secrets: [{ SecretID: id, SecretName: secret, File: fileTarget(secret) }],
      },
    },
  });
}

describe('secrets', () => {
  it('creates a secret and never shows its data back', async () => {
    const { api, store } = setup();
    const s = await api.createSecret({ Name: 'pw', Data: data('hunter2'), Labels: { env: 'prod' } });
    assert.deepEqual(s.Spec, { Name: 'pw', Labels: { env: 'prod' } });
    assert.equal((await api.getSecret('pw')).Spec.Data, undefined);
    assert.equal((await api.listSecrets())[0]?.Spec.Data, undefined);
    assert.equal(
      store.view((tx) => tx.secrets.get(s.ID)?.Spec.Data),
      data('hunter2'),
    );
  });

  it('refuses a taken name and bad data in swarmkit words', async () => {
    const { api } = setup();
    await api.createSecret({ Name: 'pw', Data: data('a') });
    await rejects(
      api.createSecret({ Name: 'pw', Data: data('b') }),
      'already_exists',
      'rpc error: code = AlreadyExists desc = secret pw already exists',
      409,
    );
    await rejects(
      api.createSecret({ Name: 'empty', Data: '' }),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = secret data must be larger than 0 and less than 512000 bytes',
    );
  });

  it('updates labels only, at the version', async () => {
    const { api } = setup();
    const s = await api.createSecret({ Name: 'pw', Data: data('a'), Labels: { a: '1' } });
    const u = await api.updateSecret('pw', s.Version.Index, { Name: 'pw', Labels: { b: '2' } });
    assert.deepEqual(u.Spec.Labels, { b: '2' });
    await rejects(
      api.updateSecret('pw', u.Version.Index, { Name: 'pw', Data: data('other') }),
      'invalid_argument',
      'rpc error: code = InvalidArgument desc = only updates to Labels are allowed',
    );
    await rejects(
      api.updateSecret('pw', s.Version.Index, { Name: 'pw', Labels: {} }),
      'conflict',
      'rpc error: code = Unknown desc = update out of sequence',
    );
  });

  it('refuses to remove a secret services use, naming them', async () => {
    const { api } = setup();
    const s = await api.createSecret({ Name: 'x', Data: data('a') });
    const web = await api.createService(usingSecret('web', s.ID, 'x'));
    await rejects(
      api.removeSecret('x'),
      'invalid_argument',
      "rpc error: code = InvalidArgument desc = secret 'x' is in use by the following service: web",
      400,
    );
    const api2 = await api.createService(usingSecret('api', s.ID, 'x'));
    const byId = [web, api2].sort((a, b) => (a.ID < b.ID ? -1 : 1)).map((v) => v.Spec.Name);
    await rejects(
      api.removeSecret(s.ID),
      'invalid_argument',
      `rpc error: code = InvalidArgument desc = secret 'x' is in use by the following services: ${byId.join(', ')}`,
    );
    await api.removeService('web');
    await api.removeService('api');
    await api.removeSecret('x');
    await rejects(api.getSecret('x'), 'not_found', 'secret x not found');
  });

  it('filters by names (exact), name and id (prefix), label', async () => {
    const { api } = setup();
    const a = await api.createSecret({ Name: 'db', Data: data('a'), Labels: { app: 'pg' } });
    await api.createSecret({ Name: 'db_replica', Data: data('b') });
    const names = async (filters: Record<string, unknown>) =>
      (await api.listSecrets({ filters })).map((s) => s.Spec.Name).sort();
    assert.deepEqual(await names({ name: ['db'] }), ['db', 'db_replica']);
    assert.deepEqual(await names({ names: ['db'] }), ['db']);
    assert.deepEqual(await names({ label: ['app=pg'] }), ['db']);
    assert.deepEqual(await names({ id: [a.ID] }), ['db']);
  });
});

describe('configs', () => {
  it('shows data, updates labels, refuses removal while used, accepts no `names` filter', async () => {
    const { api } = setup();
    const c = await api.createConfig({ Name: 'nginx.conf', Data: data('server {}') });
    assert.equal((await api.getConfig('nginx.conf')).Spec.Data, data('server {}'));
    await rejects(
      api.createConfig({ Name: 'nginx.conf', Data: data('x') }),
      'already_exists',
      'rpc error: code = AlreadyExists desc = config nginx.conf already exists',
    );
    const u = await api.updateConfig(c.ID, c.Version.Index, { Name: 'nginx.conf', Labels: { v: '2' } });
    assert.deepEqual(u.Spec.Labels, { v: '2' });
    await api.createService(
      spec('web', {
        TaskTemplate: {
          ContainerSpec: {
            Image: 'nginx',
            Configs: [{ ConfigID: c.ID, ConfigName: 'nginx.conf', File: fileTarget('/etc/nginx.conf') }],
          },
        },
      }),
    );
    await rejects(
      api.removeConfig('nginx.conf'),
      'invalid_argument',
      "rpc error: code = InvalidArgument desc = config 'nginx.conf' is in use by the following service: web",
    );
    await rejects(
      api.listConfigs({ filters: { names: ['x'] } }),
      'invalid_argument',
      "Invalid filter 'names'",
    );
    assert.equal((await api.listConfigs({ filters: { name: ['nginx'] } })).length, 1);
  });
});
