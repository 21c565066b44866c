import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Mount } from '../task-spec.ts';
import { mountProblemsAtStart } from './mounts.ts';

describe('mountProblemsAtStart (rules Docker applies when a task starts)', () => {
  const cases: Array<[string, Mount, string | undefined]> = [
    ['a bind mount', { Type: 'bind', Source: '/srv', Target: '/data' }, undefined],
    ['a named volume', { Type: 'volume', Source: 'vol', Target: '/data' }, undefined],
    ['an anonymous volume', { Type: 'volume', Target: '/data' }, undefined],
    ['a tmpfs', { Type: 'tmpfs', Target: '/tmp' }, undefined],
    [
      'a named pipe',
      { Type: 'npipe', Source: '\\\\.\\pipe\\docker_engine', Target: '\\\\.\\pipe\\docker_engine' },
      undefined,
    ],
    ['no target', { Type: 'volume', Target: '' }, 'invalid mount target, must be an absolute path: '],
    [
      'a relative target',
      { Type: 'bind', Source: '/a', Target: 'data' },
      'invalid mount target, must be an absolute path: data',
    ],
    [
      'a relative bind source',
      { Type: 'bind', Source: 'srv', Target: '/data' },
      'invalid bind mount source, must be an absolute path: srv',
    ],
    [
      'a bind without type or source',
      { Target: '/data' } as Mount,
      'invalid bind mount source, must be an absolute path: ',
    ],
    [
      'an absolute volume source',
      { Type: 'volume', Source: '/srv', Target: '/data' },
      'invalid volume mount source, must not be an absolute path: /srv',
    ],
    [
      'a tmpfs with a source',
      { Type: 'tmpfs', Source: 'x', Target: '/tmp' },
      'invalid tmpfs source, source must be empty',
    ],
    [
      'a pipe without source',
      { Type: 'npipe', Target: 'p' },
      'invalid npipe source, source must not be empty',
    ],
    ['an unknown type', { Type: 'nfs' as 'bind', Target: '/data' }, 'invalid mount type: nfs'],
  ];
  for (const [name, mount, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => assert.equal(mountProblemsAtStart([mount])[0]?.message, want));
  }
  it('reports one problem per failing mount with its index', () => {
    const problems = mountProblemsAtStart([
      { Type: 'volume', Target: 'a' },
      { Type: 'tmpfs', Target: '/t' },
      { Type: 'tmpfs', Source: 'x', Target: '/u' },
    ]);
    assert.deepEqual(
      problems.map((p) => p.field),
      ['Mounts.0.Target', 'Mounts.2.Source'],
    );
  });
});
