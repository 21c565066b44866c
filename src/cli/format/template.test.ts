import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goPrint, parseTemplate } from './template.ts';

const run = (t: string, v: unknown) => parseTemplate(t).execute(v);

describe('template', () => {
  const svc = { ID: 'abc', Spec: { Name: 'web', Labels: { a: 'b' }, Args: ['x', 'y'] }, N: 2 };
  it('fields, nested fields and text', () => {
    assert.equal(run('{{.ID}}: {{.Spec.Name}}', svc), 'abc: web');
    assert.equal(run('{{ .Missing }}', svc), '<no value>');
    assert.equal(run('{{.Spec.Args}} {{.Spec.Labels}}', svc), '[x y] map[a:b]');
  });
  it('json, index, join, printf, pipes', () => {
    assert.equal(run('{{json .Spec.Labels}}', svc), '{"a":"b"}');
    assert.equal(run('{{index .Spec.Labels "a"}}', svc), 'b');
    assert.equal(run('{{join .Spec.Args ","}}', svc), 'x,y');
    assert.equal(run('{{printf "%s=%d" .ID .N}}', svc), 'abc=2');
    assert.equal(run('{{.ID | upper}}', svc), 'ABC');
    assert.equal(run('{{json .}}', { a: '<&>' }), '{"a":"\\u003c\\u0026\\u003e"}');
  });
  it('trims around {{- and -}}', () => {
    assert.equal(run('a  {{- .ID -}}  b', svc), 'aabcb');
  });
  it('refuses define/template/block and unknown functions', () => {
    assert.throws(() => parseTemplate('{{define "x"}}y{{end}}'), /not supported/);
    assert.throws(() => run('{{nope .ID}}', svc), /function "nope" not defined/);
  });
  it('prints values as Go', () => {
    assert.equal(goPrint(0.2), '0.2');
    assert.equal(goPrint(true), 'true');
    assert.equal(goPrint(null), '<nil>');
  });
});
