// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose templates are literal text here
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadStack } from './load.ts';

const dir = join(import.meta.dirname, 'testdata', 'full');
const files = (...names: string[]) => names.map((n) => join(dir, n));

describe('loadStack', () => {
  it('reads .env beside the first file; the process environment wins', () => {
    const { config, warnings, workingDir } = loadStack({ files: files('compose.yml'), env: { MODE: 'dev' } });
    assert.equal(workingDir, dir);
    const web = config.services.find((s) => s.name === 'web');
    assert.equal(web?.image, 'nginx:1.27-alpine');
    assert.equal(web?.environment?.MODE, 'dev');
    assert.equal(web?.environment?.GREETING, 'hello $USER');
    assert.equal(web?.environment?.BARE, null);
    assert.equal(web?.deploy?.replicas, 3);
    assert.equal(web?.deploy?.resources?.limits?.memory, 512 * 2 ** 20);
    assert.equal(web?.stop_grace_period, 20e9);
    assert.deepEqual(web?.logging, { driver: 'json-file', options: { 'max-size': '10m' } });
    assert.deepEqual(web?.volumes?.[1], {
      type: 'bind',
      source: join(dir, 'conf'),
      target: '/etc/nginx/conf.d',
    });
    assert.equal(config.secrets.pw?.file, join(dir, 'pw.txt'));
    assert.deepEqual(warnings, [
      'Ignoring unsupported options: build, restart\n\n',
      'Ignoring deprecated options:\n\ncontainer_name: Setting the container name is not supported.\n\n',
    ]);
  });

  it('merges later files over earlier ones', () => {
    const { config } = loadStack({ files: files('compose.yml', 'override.yml'), env: {} });
    assert.deepEqual(
      config.services.map((s) => s.name),
      ['cache', 'web', 'worker'],
    );
    const web = config.services.find((s) => s.name === 'web');
    assert.equal(web?.deploy?.replicas, 5);
    assert.equal(web?.deploy?.resources?.limits?.cpus, '0.5');
    assert.deepEqual(web?.deploy?.placement?.constraints, ['node.role == worker', 'node.labels.zone == a']);
    assert.equal(web?.environment?.EXTRA, '1');
    assert.equal(web?.environment?.MODE, 'production');
    assert.deepEqual(
      web?.ports?.map((p) => p.published),
      [8080, 8081, 8443, 9000],
    );
  });

  it('fails with Docker’s words', () => {
    const load = (yaml: string, env: Record<string, string> = {}) =>
      loadStack({ files: ['/p/c.yml'], env, readFile: (p) => (p === '/p/c.yml' ? yaml : '') });
    assert.throws(() => load('services:\n  a:\n    image: ${IMG:?set IMG}\n'), {
      message:
        'invalid interpolation format for services.a.image: "required variable IMG is missing a value: set IMG"; you may need to escape any $ with another $',
    });
    assert.throws(() => load('- a\n'), { message: 'top-level object must be a mapping' });
    assert.throws(() => load('services:\n  a:\n    image: x\n    extends: b\n'), {
      message:
        'Compose file contains unsupported options:\n\nextends: Support for `extends` is not implemented yet.\n',
    });
    assert.throws(() => load('version: "2"\nservices: {}\n'), {
      message: 'unsupported Compose file version: 2',
    });
    assert.throws(
      () => load('services:\n  a:\n    image: x\n    deploy: {replicas: "${N}"}\n', { N: 'x' }),
      /failed to cast/,
    );
    assert.throws(() => load('services:\n  a: b: c\n'), { message: /^yaml: line 2: Nested mappings/ });
    assert.equal(
      load('services:\n  a:\n    image: ${IMG}\n', { IMG: 'redis' }).config.services[0]?.image,
      'redis',
    );
    assert.throws(() => loadStack({ files: [] }), {
      message: 'Please specify a Compose file (with --compose-file)',
    });
  });
});
