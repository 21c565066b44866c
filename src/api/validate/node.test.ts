import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeSpec } from './fixtures.ts';
import { assertValidNodeSpec, normalizeNodeSpec, validateNodeSpec } from './node.ts';
import { FailedPreconditionError, InvalidArgumentError } from './problem.ts';

describe('validateNodeSpec', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a worker', nodeSpec(), undefined],
    [
      'a drained manager with labels',
      nodeSpec({ Role: 'manager', Availability: 'drain', Labels: { zone: 'a' } }),
      undefined,
    ],
    [
      'capitalised names (the daemon upper-cases them)',
      { Role: 'Manager', Availability: 'PAUSE' },
      undefined,
    ],
    ['an unknown role', { Role: 'leader', Availability: 'active' }, 'invalid Role: "leader"'],
    ['no role', { Availability: 'active' }, 'invalid Role: ""'],
    ['an unknown availability', { Role: 'worker', Availability: 'paused' }, 'invalid Availability: "paused"'],
    ['no availability', { Role: 'worker' }, 'invalid Availability: ""'],
    [
      'a role of the wrong type',
      { Role: 1, Availability: 'active' },
      'json: cannot unmarshal number into Go struct field NodeSpec.Role of type swarm.NodeRole',
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => assert.equal(validateNodeSpec(spec)[0]?.message, want));
  }
  it('refuses to demote the last manager (FailedPrecondition)', () => {
    const existing = { Spec: nodeSpec({ Role: 'manager' }) };
    const [p] = validateNodeSpec(nodeSpec({ Role: 'worker' }), { existing, managerCount: 1 });
    assert.equal(p?.message, 'attempting to demote the last manager of the swarm');
    assert.equal(p?.code, 'failed_precondition');
    assert.throws(
      () => assertValidNodeSpec(nodeSpec(), { existing, managerCount: 1 }),
      FailedPreconditionError,
    );
    assert.deepEqual(validateNodeSpec(nodeSpec({ Role: 'worker' }), { existing, managerCount: 2 }), []);
  });
  it('throws InvalidArgumentError for an invalid spec', () => {
    assert.throws(() => assertValidNodeSpec({ Role: 'x', Availability: 'active' }), InvalidArgumentError);
  });
  it('normalises role and availability to lower case', () => {
    assert.deepEqual(normalizeNodeSpec({ Role: 'MANAGER' as 'manager', Availability: 'Drain' as 'drain' }), {
      Role: 'manager',
      Availability: 'drain',
    });
  });
});
