import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { takeLeadingHost } from './global-host.ts';

describe('takeLeadingHost', () => {
  it('takes -H/--host before the command into SHOAL_HOST', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(takeLeadingHost(['node', 'shoal', '-H', 'unix:///a', 'node', 'ls'], env), [
      'node',
      'shoal',
      'node',
      'ls',
    ]);
    assert.equal(env.SHOAL_HOST, 'unix:///a');
    assert.deepEqual(takeLeadingHost(['node', 'shoal', '--host=unix:///b', 'info'], env), [
      'node',
      'shoal',
      'info',
    ]);
    assert.equal(env.SHOAL_HOST, 'unix:///b');
  });
  it('leaves a later -H to the command (the daemon has its own)', () => {
    const env: NodeJS.ProcessEnv = {};
    const argv = ['node', 'shoal', 'daemon', '-H', 'unix:///c'];
    assert.deepEqual(takeLeadingHost(argv, env), argv);
    assert.equal(env.SHOAL_HOST, undefined);
  });
});
