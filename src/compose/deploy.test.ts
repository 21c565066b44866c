import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deployStack } from './deploy.ts';
import { FakeStackClient } from './fake-client.ts';
import { listStacks, stackServices } from './list.ts';
import { loadStack } from './load.ts';
import { removeStack } from './remove.ts';

const dir = join(import.meta.dirname, 'testdata', 'full');
const load = (...files: string[]) => loadStack({ files: files.map((f) => join(dir, f)), env: {} }).config;

describe('deployStack against an in-memory client', () => {
  it('creates networks, then secrets and configs, then services, with Docker’s lines', async () => {
    const client = new FakeStackClient();
    const lines: string[] = [];
    const r = await deployStack(client, 'app', load('compose.yml'), { out: (l) => lines.push(l) });
    assert.deepEqual(lines, [
      'Creating network app_back',
      'Creating network app_default',
      'Creating network app_front',
      'Creating secret app_pw',
      'Creating secret shared_tls',
      'Creating config app_site',
      'Creating service app_web',
      'Creating service app_worker',
    ]);
    assert.deepEqual(
      client.takeCalls(),
      lines.map((l) => l.replace(/^Creating (\w)(\w+) /, (_, a, b) => `create${a.toUpperCase()}${b} `)),
    );
    assert.deepEqual(r.created, ['app_web', 'app_worker']);
    const web = [...client.services.values()].find((s) => s.Spec.Name === 'app_web');
    const secretIds = web?.Spec.TaskTemplate.ContainerSpec?.Secrets?.map((s) => s.SecretID);
    assert.deepEqual(
      secretIds,
      [...client.secrets.values()].map((s) => s.ID),
    );
  });

  it('re-deploys in place: nothing sent when nothing changed, one update (at its version) when it did', async () => {
    const client = new FakeStackClient();
    await deployStack(client, 'app', load('compose.yml'));
    client.takeCalls();
    const lines: string[] = [];
    const again = await deployStack(client, 'app', load('compose.yml'), { out: (l) => lines.push(l) });
    assert.deepEqual(client.takeCalls(), []);
    assert.deepEqual(again.unchanged, ['app_web', 'app_worker']);
    assert.match(lines[0] ?? '', /^Updating service app_web \(id: s\d+\)$/);

    const before = [...client.services.values()].find((s) => s.Spec.Name === 'app_web');
    const changed = await deployStack(client, 'app', load('compose.yml', 'override.yml'));
    assert.deepEqual(changed.updated, ['app_web']);
    assert.deepEqual(changed.created, ['app_cache']);
    assert.deepEqual(client.takeCalls(), ['createService app_cache', 'updateService app_web']);
    assert.equal(client.calls.length, 0);
    const after = client.services.get(before?.ID ?? '');
    assert.deepEqual(after?.Spec.Mode, { Replicated: { Replicas: 5 } });
  });

  it('--prune removes the stack’s services the file no longer has; other stacks are left alone', async () => {
    const client = new FakeStackClient();
    await deployStack(client, 'app', load('compose.yml', 'override.yml'));
    await deployStack(client, 'other', load('compose.yml'));
    client.takeCalls();
    const lines: string[] = [];
    const r = await deployStack(client, 'app', load('compose.yml'), {
      prune: true,
      out: (l) => lines.push(l),
    });
    assert.deepEqual(r.pruned, ['app_cache']);
    assert.equal(lines[0], 'Removing service app_cache');
    assert.deepEqual(await listStacks(client), [
      { Name: 'app', Services: 2 },
      { Name: 'other', Services: 2 },
    ]);
    assert.deepEqual(
      (await stackServices(client, 'other')).map((s) => s.Spec.Name),
      ['other_web', 'other_worker'],
    );
  });

  it('refuses a missing external network', async () => {
    const client = new FakeStackClient();
    const config = loadStack({
      files: [join(import.meta.dirname, 'testdata', 'valid', 'lists.yml')],
      env: {},
    }).config;
    await assert.rejects(deployStack(client, 's', config), {
      message:
        'network "n1" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed',
    });
    await client.createNetwork({ Name: 'n1', Driver: 'overlay' });
    await deployStack(client, 's', config);
    assert.deepEqual([...client.services.values()][0]?.Spec.TaskTemplate.Networks, [
      { Target: 'n1', Aliases: ['app'] },
    ]);
  });

  it('removeStack: services, secrets, configs, networks', async () => {
    const client = new FakeStackClient();
    await deployStack(client, 'app', load('compose.yml'));
    client.takeCalls();
    const lines: string[] = [];
    assert.equal(await removeStack(client, 'app', { out: (l) => lines.push(l) }), true);
    assert.deepEqual(lines, [
      'Removing service app_web',
      'Removing service app_worker',
      'Removing secret app_pw',
      'Removing secret shared_tls',
      'Removing config app_site',
      'Removing network app_back',
      'Removing network app_default',
      'Removing network app_front',
    ]);
    const errs: string[] = [];
    assert.equal(await removeStack(client, 'app', { err: (l) => errs.push(l) }), false);
    assert.deepEqual(errs, ['Nothing found in stack: app']);
  });
});
