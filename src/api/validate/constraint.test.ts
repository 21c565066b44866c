import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Constraint,
  constraintMatches,
  nodeMatchesConstraints,
  parseConstraint,
  parseConstraints,
  parseSpreadDescriptor,
  spreadValue,
} from './constraint.ts';
import { node, nodeSpec } from './fixtures.ts';

function parsed(expr: string): Constraint {
  const r = parseConstraint(expr);
  assert.ok(r.ok, `expected ${expr} to parse`);
  return r.constraint;
}

describe('parseConstraint: syntax and errors (swarmkit manager/constraint)', () => {
  const cases: Array<[string, string]> = [
    ['node.role', 'constraint expected one operator from ==, !='],
    ['node.role=manager', 'constraint expected one operator from ==, !='],
    ['node.role>=manager', 'constraint expected one operator from ==, !='],
    ['', 'constraint expected one operator from ==, !='],
    ['==manager', "key '' is invalid"],
    ['n==x', "key 'n' is invalid"],
    ['1node==x', "key '1node' is invalid"],
    ['node role==x', "key 'node role' is invalid"],
    ['node.role==', "value '' is invalid"],
    ['node.role==a!=b', "value 'a!=b' is invalid"],
    ['node.role==a==b', "value 'a==b' is invalid"],
    ['node.labels.zone==east<', "value 'east<' is invalid"],
  ];
  for (const [expr, error] of cases) {
    it(`${JSON.stringify(expr)} -> ${error}`, () =>
      assert.deepEqual(parseConstraint(expr), { ok: false, error }));
  }

  it('splits at the first operator and trims key and value', () => {
    const c = parsed('  node.labels.zone  !=  east-1 ');
    assert.deepEqual([c.key, c.operator, c.value], ['node.labels.zone', '!=', 'east-1']);
  });
  it('looks for == before != (so "a!=b==c" splits at ==)', () => {
    assert.deepEqual(parseConstraint('a!=b==c'), { ok: false, error: "key 'a!=b' is invalid" });
  });
  it('accepts the value characters swarmkit allows', () => {
    assert.equal(parsed('node.labels.re==^a.*(b|c)?+[x]\\$ /: -_').operator, '==');
  });
  it('returns the first error of a list', () => {
    assert.deepEqual(parseConstraints(['node.role==manager', 'bad', 'x']), {
      ok: false,
      error: 'constraint expected one operator from ==, !=',
    });
    const ok = parseConstraints(['node.role==manager', 'node.labels.zone!=east']);
    assert.ok(ok.ok && ok.constraints.length === 2);
  });
});

describe('parseConstraint: typed targets', () => {
  const cases: Array<[string, Constraint['target']['kind'], string?]> = [
    ['node.id==abc', 'id'],
    ['NODE.ID==abc', 'id'],
    ['node.hostname!=node-2', 'hostname'],
    ['node.role==manager', 'role'],
    ['node.platform.os==linux', 'os'],
    ['node.platform.arch==x86_64', 'arch'],
    ['node.ip==10.0.0.5', 'ip'],
    ['node.labels.zone==east', 'node-label', 'zone'],
    ['Node.Labels.Zone==east', 'node-label', 'Zone'],
    ['engine.labels.disk==ssd', 'engine-label', 'disk'],
    ['node.labels.==x', 'unknown'],
    ['node.foo==bar', 'unknown'],
  ];
  for (const [expr, kind, label] of cases) {
    it(`${expr} -> ${kind}${label ? `(${label})` : ''}`, () => {
      const t = parsed(expr).target;
      assert.equal(t.kind, kind);
      if (label !== undefined) assert.equal('label' in t ? t.label : undefined, label);
    });
  }
});

describe('constraintMatches', () => {
  const n = node(nodeSpec({ Role: 'manager', Labels: { zone: 'east', Tier: 'Gold' } }), 'nodeid1');
  const cases: Array<[string, boolean]> = [
    ['node.id==nodeid1', true],
    ['node.id==NODEID1', true],
    ['node.id!=nodeid1', false],
    ['node.hostname==node-1', true],
    ['node.hostname!=node-2', true],
    ['node.role==manager', true],
    ['node.role==worker', false],
    ['node.role!=worker', true],
    ['node.platform.os==Linux', true],
    ['node.platform.arch==x86_64', true],
    ['node.platform.arch==aarch64', false],
    ['node.labels.zone==east', true],
    ['node.labels.zone==EAST', true],
    ['node.labels.zone!=west', true],
    ['node.labels.tier==gold', false],
    ['node.labels.Tier==gold', true],
    ['node.labels.missing==x', false],
    ['node.labels.missing!=x', true],
    ['node.labels.constructor!=x', true],
    ['engine.labels.disk==ssd', true],
    ['engine.labels.disk!=ssd', false],
    ['node.ip==10.0.0.5', true],
    ['node.ip==::ffff:10.0.0.5', true],
    ['node.ip!=10.0.0.5', false],
    ['node.ip==10.0.0.0/24', true],
    ['node.ip!=10.0.1.0/24', true],
    ['node.ip==not-an-ip', false],
    ['node.ip!=not-an-ip', false],
    ['node.foo==bar', false],
    ['node.foo!=bar', false],
  ];
  for (const [expr, want] of cases)
    it(`${expr} -> ${want}`, () => assert.equal(constraintMatches(parsed(expr), n), want));

  it('reads a node without description as empty hostname and platform', () => {
    const bare = { ...node(), Description: undefined };
    assert.equal(constraintMatches(parsed('node.hostname!=x'), bare), true);
    assert.equal(constraintMatches(parsed('node.platform.os==linux'), bare), false);
  });
  it('needs every constraint to hold', () => {
    const r = parseConstraints(['node.role==manager', 'node.labels.zone==west']);
    assert.ok(r.ok);
    assert.equal(nodeMatchesConstraints(r.constraints, n), false);
    assert.equal(nodeMatchesConstraints([], n), true);
  });
  it('never throws on any expression', () => {
    fc.assert(fc.property(fc.string(), (s) => void parseConstraint(s)));
  });
  it('parses every well-formed expression back to its parts', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_.-]{1,20}$/);
    const value = fc.stringMatching(/^[a-zA-Z0-9:_.*()?+|/-]{1,20}$/);
    fc.assert(
      fc.property(key, fc.constantFrom('==', '!=') as fc.Arbitrary<'==' | '!='>, value, (k, op, v) => {
        const c = parsed(`${k}${op}${v}`);
        assert.deepEqual([c.key, c.operator, c.value], [k, op, v]);
      }),
    );
  });
});

describe('parseSpreadDescriptor', () => {
  const n = node(nodeSpec({ Labels: { zone: 'east' } }));
  it('spreads over node and engine labels', () => {
    assert.deepEqual(parseSpreadDescriptor('node.labels.zone'), { kind: 'node-label', label: 'zone' });
    assert.deepEqual(parseSpreadDescriptor('ENGINE.LABELS.disk'), { kind: 'engine-label', label: 'disk' });
    assert.equal(spreadValue(parseSpreadDescriptor('node.labels.zone'), n), 'east');
    assert.equal(spreadValue(parseSpreadDescriptor('engine.labels.disk'), n), 'ssd');
    assert.equal(spreadValue(parseSpreadDescriptor('node.labels.rack'), n), '');
  });
  it('marks anything else unsupported (swarmkit ignores it)', () => {
    for (const d of ['node.hostname', 'node.labels.', 'zone', '']) {
      assert.deepEqual(parseSpreadDescriptor(d), { kind: 'unsupported' });
    }
    assert.equal(spreadValue({ kind: 'unsupported' }, n), undefined);
  });
});
