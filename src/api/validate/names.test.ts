import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidServiceName, NAME_MESSAGES, secretNameProblem, serviceNameProblem } from './names.ts';

describe('service and network names (swarmkit validateAnnotations)', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['web', undefined],
    ['w', undefined],
    ['my-web_2', undefined],
    ['a--__b', undefined],
    ['Web1', undefined],
    ['x'.repeat(63), undefined],
    [undefined, 'meta: name must be provided'],
    ['', 'meta: name must be provided'],
    ['busybox1.24', 'name must be valid as a DNS name component'],
    ['-web', 'name must be valid as a DNS name component'],
    ['web-', 'name must be valid as a DNS name component'],
    ['_web', 'name must be valid as a DNS name component'],
    ['my web', 'name must be valid as a DNS name component'],
    ['wéb', 'name must be valid as a DNS name component'],
    ['x'.repeat(64), 'name must be 63 characters or fewer'],
    // the character rule is checked before the length rule, as in swarmkit
    [`${'x'.repeat(70)}.`, 'name must be valid as a DNS name component'],
  ];
  for (const [name, want] of cases) {
    it(`${JSON.stringify(name)} -> ${want ?? 'ok'}`, () => {
      const p = serviceNameProblem(name);
      assert.equal(p?.message, want);
      if (p)
        assert.deepEqual(
          [p.origin, p.grpc, p.code, p.field],
          ['swarmkit', 'InvalidArgument', 'invalid_argument', 'Name'],
        );
    });
  }
  it('stays fast on long near-miss names (no catastrophic backtracking)', () => {
    const start = performance.now();
    assert.equal(isValidServiceName(`${'a-'.repeat(50_000)}!`), false);
    assert.ok(performance.now() - start < 1000);
  });
});

describe('secret and config names (validateConfigOrSecretAnnotations)', () => {
  const invalid = NAME_MESSAGES.secretInvalid;
  const cases: Array<[string | undefined, string | undefined]> = [
    ['db_password', undefined],
    ['nginx.conf', undefined],
    ['a', undefined],
    ['A-b_c.d9', undefined],
    ['x'.repeat(64), undefined],
    ['', 'name must be provided'],
    [undefined, 'name must be provided'],
    ['x'.repeat(65), invalid],
    ['.hidden', invalid],
    ['trailing.', invalid],
    ['has space', invalid],
    ['slash/name', invalid],
  ];
  for (const [name, want] of cases) {
    it(`${JSON.stringify(name)} -> ${want ?? 'ok'}`, () =>
      assert.equal(secretNameProblem(name)?.message, want));
  }
  it("uses swarmkit's exact text", () => {
    assert.equal(
      invalid,
      'invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]',
    );
  });
});
