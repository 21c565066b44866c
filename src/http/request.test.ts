import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { boolValue, decodeJson, parseUint, strictBool, stripNulls, versionParam } from './request.ts';

const req = (contentType?: string) =>
  ({ headers: contentType === undefined ? {} : { 'content-type': contentType } }) as IncomingMessage;

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('request decoding', () => {
  it('strips Go’s nulls everywhere', () => {
    assert.deepEqual(stripNulls({ a: null, b: [1, null, { c: null, d: 2 }], e: { f: null } }), {
      b: [1, { d: 2 }],
      e: {},
    });
    const labels = stripNulls(JSON.parse('{"__proto__":{"x":"1"}}')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(labels), ['__proto__']);
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  });

  it('reads JSON bodies with moby’s rules and words', () => {
    assert.equal(decodeJson(req(), Buffer.alloc(0)), undefined);
    assert.deepEqual(decodeJson(req('application/json; charset=utf-8'), Buffer.from('{"A":null,"B":1}')), {
      B: 1,
    });
    assert.equal(
      message(() => decodeJson(req('text/plain'), Buffer.from('{}'))),
      "unsupported Content-Type header (text/plain): must be 'application/json'",
    );
    assert.equal(
      message(() => decodeJson(req(), Buffer.from('{}'))),
      'malformed Content-Type header (): mime: no media type',
    );
    assert.equal(
      message(() => decodeJson(req('application/json'), Buffer.from(' '))),
      'invalid JSON: got EOF while reading request body',
    );
    assert.match(
      message(() => decodeJson(req('application/json'), Buffer.from('{"a":'))),
      /^invalid JSON: /,
    );
    assert.equal(
      message(() => decodeJson(req('application/json'), Buffer.from('{} {}'))),
      'unexpected content after JSON',
    );
  });

  it('reads flags as BoolValue and ParseBool do', () => {
    const q = new URLSearchParams('a=1&b=no&c=NONE&d=yes&e=&f=True&g=maybe');
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e', 'x'].map((k) => boolValue(q, k)),
      [true, false, false, true, false, false],
    );
    assert.equal(strictBool(q, 'f'), true);
    assert.equal(strictBool(q, 'e'), false);
    assert.equal(
      message(() => strictBool(q, 'g')),
      'invalid value for g: maybe: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
  });

  it('parses ?version= as strconv.ParseUint, worded per route', () => {
    assert.deepEqual(parseUint('42'), { ok: true, value: 42 });
    assert.deepEqual(parseUint('-1'), {
      ok: false,
      error: 'strconv.ParseUint: parsing "-1": invalid syntax',
    });
    assert.deepEqual(parseUint('99999999999999999999'), {
      ok: false,
      error: 'strconv.ParseUint: parsing "99999999999999999999": value out of range',
    });
    assert.equal(versionParam(new URLSearchParams('version=7'), 'service'), 7);
    assert.equal(
      message(() => versionParam(new URLSearchParams(''), 'service')),
      `invalid service version '': strconv.ParseUint: parsing "": invalid syntax`,
    );
    assert.equal(
      message(() => versionParam(new URLSearchParams('version=x'), 'node')),
      `invalid node version 'x': strconv.ParseUint: parsing "x": invalid syntax`,
    );
    assert.equal(
      message(() => versionParam(new URLSearchParams('version=x'), 'secret')),
      'invalid secret version',
    );
  });
});
