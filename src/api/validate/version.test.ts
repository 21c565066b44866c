import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isShoalError } from '../../base/errors.ts';
import { UpdateOutOfSequenceError } from './problem.ts';
import { checkVersion, isCurrentVersion } from './version.ts';

describe('checkVersion: the stale version rule', () => {
  it('passes the current version', () => {
    assert.doesNotThrow(() => checkVersion({ Index: 12 }, 12));
    assert.doesNotThrow(() => checkVersion(12, { Index: 12 }));
    assert.equal(isCurrentVersion({ Index: 3 }, { Index: 3 }), true);
  });
  for (const given of [11, 13, 0]) {
    it(`refuses version ${given} of an object at 12 with "update out of sequence" (conflict)`, () => {
      assert.equal(isCurrentVersion(12, given), false);
      assert.throws(
        () => checkVersion({ Index: 12 }, given),
        (e: unknown) =>
          e instanceof UpdateOutOfSequenceError &&
          isShoalError(e, 'conflict') &&
          e.message === 'update out of sequence' &&
          e.current === 12 &&
          e.given === given,
      );
    });
  }
});
