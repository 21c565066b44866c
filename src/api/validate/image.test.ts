import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidImageReference } from './image.ts';

const HEX64 = 'a'.repeat(64);

describe('isValidImageReference (distribution/reference ParseNormalizedNamed)', () => {
  const valid = [
    'nginx',
    'nginx:1.25',
    'nginx:latest',
    'library/nginx',
    'docker.io/library/nginx:1.25-alpine',
    'index.docker.io/nginx',
    'localhost/app',
    'localhost:5000/team/app:v1.2.3',
    'registry.example.com/team/app',
    'registry.example.com:443/a/b/c:TAG_1',
    '[::1]:5000/app',
    'Registry.Example.com/app',
    'Foo/bar',
    'a.b/c',
    'my_app',
    'my__app',
    'my---app',
    `nginx@sha256:${HEX64}`,
    `nginx:1.25@sha256:${HEX64}`,
    `app@sha512:${'0'.repeat(128)}`,
    `nginx:${'t'.repeat(128)}`,
  ];
  for (const ref of valid)
    it(`accepts ${ref.slice(0, 60)}`, () => assert.equal(isValidImageReference(ref), true));

  const invalid = [
    '',
    'busybox###',
    'Nginx',
    'library/Nginx',
    'localhost:5000/App',
    'nginx:',
    'nginx:-tag',
    `nginx:${'t'.repeat(129)}`,
    'nginx@sha256:abc',
    `nginx@sha256:${'A'.repeat(64)}`,
    `nginx@md5:${HEX64}`,
    HEX64,
    'a//b',
    '/nginx',
    'nginx/',
    '-nginx',
    'nginx_',
    'nginx..x',
    'my_-app',
    'nginx@',
    'a@b@c',
    `${'a'.repeat(256)}`,
    'host:port:x/app',
    'ng inx',
    '{{.Service.Name}}',
  ];
  for (const ref of invalid)
    it(`refuses ${JSON.stringify(ref.slice(0, 60))}`, () => assert.equal(isValidImageReference(ref), false));

  it('counts the 255-character limit on the name with its domain', () => {
    const path = 'a'.repeat(255 - 'docker.io/library/'.length);
    assert.equal(isValidImageReference(path), true);
    assert.equal(isValidImageReference(`${path}a`), false);
  });
});
