import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseHost, DEFAULT_HOST, parseHost } from './host.ts';

describe('host', () => {
  it('flag, then SHOAL_HOST, then DOCKER_HOST, then the default', () => {
    assert.equal(chooseHost('unix:///a', { SHOAL_HOST: 'unix:///b' }), 'unix:///a');
    assert.equal(chooseHost(undefined, { SHOAL_HOST: 'unix:///b', DOCKER_HOST: 'unix:///c' }), 'unix:///b');
    assert.equal(chooseHost(undefined, { DOCKER_HOST: 'unix:///c' }), 'unix:///c');
    assert.equal(chooseHost(undefined, {}), DEFAULT_HOST);
  });
  it('parses unix and tcp endpoints', () => {
    assert.deepEqual(parseHost('unix:///tmp/x.sock'), { kind: 'unix', socketPath: '/tmp/x.sock' });
    assert.deepEqual(parseHost('tcp://10.0.0.1:2376'), { kind: 'tcp', host: '10.0.0.1', port: 2376 });
    assert.deepEqual(parseHost('tcp://[::1]:2375'), { kind: 'tcp', host: '::1', port: 2375 });
    assert.throws(() => parseHost('ftp://x'), /unable to parse/);
  });
});
