import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ControlApiError } from './errors.ts';
import { Filters } from './filters.ts';

const fails = (fn: () => unknown, message: string) =>
  assert.throws(
    fn,
    (e) => e instanceof ControlApiError && e.code === 'invalid_argument' && e.message === message,
  );

describe('Filters', () => {
  it('reads both shapes, from a string or a parsed object', () => {
    for (const input of [
      '{"name":{"web":true,"api":true}}',
      { name: ['web', 'api'] },
      { name: { web: true, api: true } },
    ]) {
      assert.deepEqual([...Filters.parse(input).get('name')].sort(), ['api', 'web']);
    }
    assert.equal(Filters.parse(undefined).has('name'), false);
    assert.equal(Filters.parse('').has('name'), false);
  });

  it('refuses malformed input and unknown keys', () => {
    assert.throws(() => Filters.parse('{"name":'), ControlApiError);
    fails(() => Filters.parse('[1]'), 'invalid filter: expected a JSON object');
    fails(() => Filters.parse({ name: 'web' }), "invalid filter: bad value for 'name'");
    fails(() => Filters.parse({ name: [1] }), "invalid filter: bad value for 'name'");
    fails(() => Filters.parse({ color: ['red'] }).validate(['name']), "Invalid filter 'color'");
  });

  it('matches by prefix, exactly, by pattern, and labels with every pair holding', () => {
    const f = Filters.parse({ name: ['we'], id: ['abc'], net: ['^b.*d$'], label: ['a', 'b=2'] });
    assert.ok(f.prefix('name', 'web') && !f.prefix('name', 'api'));
    assert.ok(f.exact('id', 'abc') && !f.exact('id', 'abcd'));
    assert.ok(f.exact('absent', 'anything') && f.prefix('absent', 'x') && f.match('absent', 'x'));
    assert.ok(f.match('net', 'backend') && !f.match('net', 'frontend'));
    assert.ok(Filters.parse({ n: ['(['] }).match('n', '([') && !Filters.parse({ n: ['(['] }).match('n', 'x'));
    assert.ok(f.labels('label', { a: 'x', b: '2' }));
    assert.ok(!f.labels('label', { a: 'x', b: '3' }));
    assert.ok(!f.labels('label', { b: '2' }));
    assert.ok(!f.labels('label', undefined));
    assert.ok(
      Filters.parse({ label: ['a='] }).labels('label', { a: 'anything' }),
      'k= is swarmkit\'s "any value"',
    );
  });
});
