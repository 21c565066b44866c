/**
 * The constraint semantics the scheduler relies on (swarmkit's), pinned from the scheduler's
 * side: the parser and matcher live in src/api/validate/constraint.ts, shared with controlapi.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../api/index.ts';
import { nodeMatchesConstraints, parseConstraints } from '../../api/validate/constraint.ts';
import { makeNode } from './fixtures.ts';

function match(exprs: string[], node: Node): boolean {
  const parsed = parseConstraints(exprs);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return nodeMatchesConstraints(parsed.constraints, node);
}

const worker = makeNode('n1', {
  hostname: 'web-01',
  labels: { zone: 'east', Tier: 'Front' },
  engineLabels: { storage: 'ssd' },
  addr: '192.168.1.20',
});
const manager = makeNode('n2', { role: 'manager', os: 'windows', arch: 'aarch64' });

describe('nodeMatchesConstraints', () => {
  it('no constraints: every node', () => {
    assert.equal(match([], worker), true);
  });

  it('node.id and node.hostname, values case-insensitive', () => {
    assert.equal(match(['node.id==n1'], worker), true);
    assert.equal(match(['node.id==N1'], worker), true);
    assert.equal(match(['node.id!=n1'], worker), false);
    assert.equal(match(['node.hostname==WEB-01'], worker), true);
    assert.equal(match(['node.hostname!=web-02'], worker), true);
  });

  it('node.role, with the key itself case-insensitive', () => {
    assert.equal(match(['node.role==manager'], manager), true);
    assert.equal(match(['node.role==manager'], worker), false);
    assert.equal(match(['NODE.ROLE==Worker'], worker), true);
    assert.equal(match(['node.role!=manager'], worker), true);
  });

  it('node.platform.os and arch', () => {
    assert.equal(match(['node.platform.os==linux'], worker), true);
    assert.equal(match(['node.platform.arch==x86_64'], worker), true);
    assert.equal(match(['node.platform.os==linux'], manager), false);
    assert.equal(match(['node.platform.arch==aarch64'], manager), true);
  });

  it('node labels: label name case-sensitive, value case-insensitive, missing reads as ""', () => {
    assert.equal(match(['node.labels.zone==east'], worker), true);
    assert.equal(match(['node.labels.zone==EAST'], worker), true);
    assert.equal(match(['node.labels.Zone==east'], worker), false);
    assert.equal(match(['node.labels.tier==front'], worker), false);
    assert.equal(match(['node.labels.Tier==front'], worker), true);
    assert.equal(match(['node.labels.zone!=west'], worker), true);
    assert.equal(match(['node.labels.zone==east'], manager), false);
    assert.equal(match(['node.labels.zone!=east'], manager), true);
    assert.equal(match(['node.labels.constructor!=x'], worker), true);
  });

  it('engine labels', () => {
    assert.equal(match(['engine.labels.storage==ssd'], worker), true);
    assert.equal(match(['engine.labels.storage==hdd'], worker), false);
    assert.equal(match(['engine.labels.storage!=ssd'], manager), true);
    assert.equal(match(['engine.labels.storage==ssd'], makeNode('bare', { description: false })), false);
  });

  it('node.ip: address, CIDR, malformed', () => {
    assert.equal(match(['node.ip==192.168.1.20'], worker), true);
    assert.equal(match(['node.ip!=192.168.1.20'], worker), false);
    assert.equal(match(['node.ip==192.168.0.0/16'], worker), true);
    assert.equal(match(['node.ip!=10.0.0.0/8'], worker), true);
    assert.equal(match(['node.ip==::ffff:192.168.1.20'], worker), true);
    assert.equal(match(['node.ip==192.168.1'], worker), false);
    assert.equal(match(['node.ip!=192.168.1'], worker), false);
  });

  it('every constraint must hold; unknown keys match nothing', () => {
    assert.equal(match(['node.role==worker', 'node.labels.zone==east'], worker), true);
    assert.equal(match(['node.role==worker', 'node.labels.zone==west'], worker), false);
    assert.equal(match(['node.colour==blue'], worker), false);
    assert.equal(match(['node.colour!=blue'], worker), false);
  });
});
