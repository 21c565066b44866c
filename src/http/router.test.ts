import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareVersions, locate } from './router.ts';

describe('API versions in paths', () => {
  it('compares dotted versions as numbers', () => {
    assert.equal(compareVersions('1.9', '1.10'), -1);
    assert.equal(compareVersions('1.47', '1.47.0'), 0);
    assert.equal(compareVersions('2.0', '1.47'), 1);
  });

  it('splits the prefix and refuses versions out of 1.24..1.47 with Docker’s words', () => {
    assert.deepEqual(locate('/v1.24/nodes'), { version: '1.24', path: '/nodes' });
    assert.deepEqual(locate('/nodes'), { version: '1.47', path: '/nodes' });
    assert.deepEqual(locate('/v1.47'), { version: '1.47', path: '/' });
    assert.throws(() => locate('/v1.23/nodes'), {
      message:
        'client version 1.23 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    });
    assert.throws(() => locate('/v1.48/nodes'), {
      message: 'client version 1.48 is too new. Maximum supported API version is 1.47',
    });
  });
});
