// TableData: indexes follow puts and removes, only changed keys move, id prefixes resolve
// through buckets; IndexMap keeps one id inline and switches to a set at two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from '../api/task.ts';
import { IndexMap, TableData } from './table-data.ts';
import { taskTable } from './tables/tasks.ts';

function task(id: string, over: Partial<Task> = {}): Task {
  return {
    ID: id,
    Version: { Index: 1 },
    CreatedAt: '',
    UpdatedAt: '',
    ServiceID: 's1',
    Spec: {},
    Status: { Timestamp: '', State: 'new' },
    DesiredState: 'running',
    ...over,
  };
}

const ids = (ts: readonly Task[]): string[] => ts.map((t) => t.ID).sort();

test('IndexMap stores one id inline, several in a set, and forgets empty keys', () => {
  const m = new IndexMap();
  m.add('k', 'a');
  m.add('k', 'a');
  assert.equal(m.size('k'), 1);
  m.add('k', 'b');
  m.add('k', 'c');
  assert.equal(m.size('k'), 3);
  m.delete('k', 'b');
  m.delete('k', 'a');
  const seen: string[] = [];
  m.each('k', (id) => seen.push(id));
  assert.deepEqual(seen, ['c']);
  m.delete('k', 'zzz');
  assert.equal(m.size('k'), 1);
  m.delete('k', 'c');
  assert.equal(m.size('k'), 0);
  assert.equal(m.keyCount, 0);
});

test('put re-indexes changed keys; remove drops every key', () => {
  const td = new TableData(taskTable);
  td.put(task('t1', { Slot: 1 }));
  td.put(task('t2', { Slot: 2, NodeID: 'n1' }));
  td.put(task('t3', { ServiceID: 's2', Slot: 1, NodeID: 'n1' }));
  assert.deepEqual(ids(td.find('service', 's1')), ['t1', 't2']);
  assert.deepEqual(ids(td.find('node', 'n1')), ['t2', 't3']);
  assert.deepEqual(ids(td.find('slot', 's1\u00001')), ['t1']);
  // Assign t1 to n2, move it to running: node, serviceNode and state keys change.
  const prev = td.put(task('t1', { Slot: 1, NodeID: 'n2', Status: { Timestamp: '', State: 'running' } }));
  assert.equal(prev?.ID, 't1');
  assert.deepEqual(ids(td.find('node', 'n2')), ['t1']);
  assert.deepEqual(ids(td.find('serviceNode', 's1\u0000n2')), ['t1']);
  assert.deepEqual(ids(td.find('state', 'running')), ['t1']);
  assert.deepEqual(ids(td.find('state', 'new')), ['t2', 't3']);
  assert.equal(td.remove('t2')?.ID, 't2');
  assert.equal(td.remove('t2'), undefined);
  assert.deepEqual(ids(td.find('node', 'n1')), ['t3']);
  assert.deepEqual(ids(td.find('service', 's1')), ['t1']);
  assert.equal(td.keyCount('slot'), 2);
  assert.equal(td.count(), 2);
});

test('id prefixes: buckets for two characters or more, a scan below', () => {
  const td = new TableData(taskTable);
  for (const id of ['abc1', 'abc2', 'abd', 'b', 'xyz']) td.put(task(id));
  assert.deepEqual(ids(td.byIdPrefix('abc')), ['abc1', 'abc2']);
  assert.deepEqual(ids(td.byIdPrefix('ab')), ['abc1', 'abc2', 'abd']);
  assert.deepEqual(ids(td.byIdPrefix('a')), ['abc1', 'abc2', 'abd']);
  assert.deepEqual(ids(td.byIdPrefix('b')), ['b']);
  assert.deepEqual(ids(td.byIdPrefix('abc2')), ['abc2']);
  assert.deepEqual(ids(td.byIdPrefix('q')), []);
  assert.deepEqual(ids(td.byIdPrefix('')), []);
  td.remove('abc1');
  assert.deepEqual(ids(td.byIdPrefix('abc')), ['abc2']);
});

test('an unknown index is a bug, not an empty answer', () => {
  const td = new TableData(taskTable);
  assert.throws(() => td.find('nope', 'x'), /no index nope/);
});
