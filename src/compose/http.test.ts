/**
 * deployStack over the real Engine API (the in-process server with the memory backend, on
 * a unix socket), and the proof that we convert like Docker: the real `docker stack
 * deploy` against a second such server, the resulting specs compared with ours. The docker
 * part is skipped, saying so, when /usr/local/bin/docker (or docker on the PATH) is absent.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Harness, startHarness } from '../http/testing/harness.ts';
import { deployStack, withNetworkNames } from './deploy.ts';
import { HttpStackClient } from './http-client.ts';
import { listStacks } from './list.ts';
import { loadStack } from './load.ts';
import { removeStack } from './remove.ts';
import { canonicalSpec } from './spec-equal.ts';

const here = import.meta.dirname;
const FULL = join(here, 'testdata', 'full', 'compose.yml');
const ENV = { MODE: 'production', NGINX_TAG: '1.27-alpine', HOME: '/root' };

describe('deployStack over the Engine API', () => {
  it('deploys, re-deploys without bumping versions, lists and removes', async () => {
    const h = await startHarness({ init: true });
    try {
      const client = new HttpStackClient({ socketPath: h.socket });
      const config = loadStack({ files: [FULL], env: ENV }).config;
      const first = await deployStack(client, 'app', config);
      assert.deepEqual(first.created, ['app_web', 'app_worker']);
      const services = await client.listServices({ label: ['com.docker.stack.namespace=app'] });
      const versions = new Map(services.map((s) => [s.Spec.Name, s.Version.Index]));
      assert.equal(
        services.find((s) => s.Spec.Name === 'app_web')?.Spec.Labels?.['com.docker.stack.image'],
        'nginx:1.27-alpine',
      );

      const again = await deployStack(client, 'app', loadStack({ files: [FULL], env: ENV }).config);
      assert.deepEqual(again.unchanged, ['app_web', 'app_worker'], 'the server kept the spec we sent');
      for (const s of await client.listServices({ label: ['com.docker.stack.namespace=app'] })) {
        assert.equal(s.Version.Index, versions.get(s.Spec.Name), s.Spec.Name);
      }
      assert.deepEqual(await listStacks(client), [{ Name: 'app', Services: 2 }]);
      const lines: string[] = [];
      await removeStack(client, 'app', { out: (l) => lines.push(l) });
      assert.equal(lines[0], 'Removing service app_web');
      assert.equal(lines.at(-1), 'Removing network app_front');
      assert.deepEqual(await client.listServices(), []);
    } finally {
      await h.close();
    }
  });
});

function findDocker(): string | undefined {
  for (const candidate of ['/usr/local/bin/docker', 'docker']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  return undefined;
}
const docker = findDocker();
if (docker === undefined) console.log('# no docker CLI: the docker stack deploy comparison is skipped');

describe('docker stack deploy converts as we do', {
  skip: docker === undefined ? 'no docker CLI' : false,
}, () => {
  const config = mkdtempSync(join(tmpdir(), 'shoal-compose-docker-'));
  after(() => rmSync(config, { recursive: true, force: true }));
  const run = (h: Harness, args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        docker ?? 'docker',
        args,
        {
          timeout: 30_000,
          env: {
            ...ENV,
            PATH: process.env.PATH ?? '',
            DOCKER_HOST: `unix://${h.socket}`,
            DOCKER_CONFIG: config,
          },
        },
        (err, stdout, stderr) =>
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr }),
      );
    });

  /** Specs as compared: IDs of secrets and configs differ between two servers. */
  const comparable = (spec: unknown) =>
    canonicalSpec(JSON.parse(JSON.stringify(spec).replace(/"(SecretID|ConfigID)":"\w+"/g, '"$1":"-"')));

  it('the same services, networks, secrets and configs', async () => {
    const theirs = await startHarness({ init: true });
    const ours = await startHarness({ init: true });
    try {
      const r = await run(theirs, [
        'stack',
        'deploy',
        '--detach=true',
        '--resolve-image',
        'never',
        '-c',
        FULL,
        'app',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const client = new HttpStackClient({ socketPath: ours.socket });
      const lines: string[] = [];
      const loaded = loadStack({ files: [FULL], env: ENV });
      await deployStack(client, 'app', loaded.config, { resolveImage: 'never', out: (l) => lines.push(l) });
      assert.deepEqual(r.stdout.trim().split('\n').sort(), [...lines].sort(), 'progress lines');
      assert.equal(r.stderr, loaded.warnings.join(''), 'warnings');

      const dockers = new HttpStackClient({ socketPath: theirs.socket });
      const named = async (c: HttpStackClient) => {
        const names = new Map((await c.listNetworks()).map((n) => [n.Id, n.Name]));
        return (await c.listServices()).map((s) => ({ ...s, Spec: withNetworkNames(s.Spec, names) }));
      };
      const byName = <T>(xs: T[], name: (x: T) => string) => new Map(xs.map((x) => [name(x), x]));
      const a = byName(await named(dockers), (s) => s.Spec.Name);
      const b = byName(await named(client), (s) => s.Spec.Name);
      assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
      for (const [name, s] of a) {
        assert.deepEqual(
          JSON.parse(comparable(b.get(name)?.Spec)),
          JSON.parse(comparable(s.Spec)),
          `service ${name}: ours (actual) vs docker's (expected)`,
        );
      }
      const nets = async (c: HttpStackClient) =>
        (await c.listNetworks({ label: ['com.docker.stack.namespace=app'] }))
          .map((n) => canonicalSpec({ ...n, Id: undefined, Created: undefined }))
          .sort();
      assert.deepEqual(await nets(client), await nets(dockers));
      const blobs = async (c: HttpStackClient) => [
        ...(await c.listSecrets()).map((s) => canonicalSpec(s.Spec)),
        ...(await c.listConfigs()).map((s) => canonicalSpec(s.Spec)),
      ];
      assert.deepEqual((await blobs(client)).sort(), (await blobs(dockers)).sort());
    } finally {
      await theirs.close();
      await ours.close();
    }
  });

  it('the same errors for invalid files', async () => {
    const h = await startHarness({ init: true });
    try {
      const dir = join(here, 'testdata', 'invalid');
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.yml'))) {
        const r = await run(h, ['stack', 'deploy', '--detach=true', '-c', join(dir, f), 'bad']);
        assert.notEqual(r.code, 0, f);
        let ours = '';
        try {
          loadStack({ files: [join(dir, f)], env: ENV });
        } catch (e) {
          ours = (e as Error).message;
        }
        assert.equal(ours, r.stderr.trim(), f);
      }
    } finally {
      await h.close();
    }
  });
});
