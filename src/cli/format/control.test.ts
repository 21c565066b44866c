/**
 * Control structures, variables, functions and errors of the --format template engine.
 * Expected texts were checked against the docker 28.2.2 CLI (`docker context inspect
 * default --format …`, which runs Go's text/template with Docker's functions).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from './template.ts';

const run = (t: string, v: unknown = {}) => parseTemplate(t).execute(v);
const fails = (t: string, msg: string, v: unknown = {}) =>
  assert.throws(
    () => run(t, v),
    (e: Error) => {
      assert.equal(e.message, msg);
      return true;
    },
  );

const service = {
  ID: 'k3z',
  Spec: {
    Name: 'web',
    Labels: { b: '2', a: '1', 'com.x': 'y' },
    Mode: { Global: {} },
    TaskTemplate: { ContainerSpec: { Image: 'nginx:latest', Env: ['A=1', 'B=2'] } },
  },
};
const replicated = { Spec: { Name: 'api', Labels: {}, Mode: { Replicated: { Replicas: 3 } } } };

describe('docker-style formats', () => {
  it('range over an env list with println', () => {
    assert.equal(
      run('{{range .Spec.TaskTemplate.ContainerSpec.Env}}{{println .}}{{end}}', service),
      'A=1\nB=2\n',
    );
  });
  it('if on the service mode (a global service has Mode.Global = {})', () => {
    const t = '{{if .Spec.Mode.Global}}global{{else}}replicated{{end}}';
    assert.equal(run(t, service), 'global');
    assert.equal(run(t, replicated), 'replicated');
    assert.equal(run('{{with .Spec.Mode.Replicated}}{{.Replicas}}{{end}}', replicated), '3');
  });
  it('range over labels with key and value, keys sorted', () => {
    assert.equal(run('{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}', service), 'a=1 b=2 com.x=y ');
    assert.equal(run('{{range .Spec.Labels}}{{.}}{{end}}', service), '12y');
  });
  it('json, len and index', () => {
    assert.equal(run('{{json .Spec.Labels}}', service), '{"b":"2","a":"1","com.x":"y"}');
    assert.equal(run('{{len .Spec.TaskTemplate.ContainerSpec.Env}}', service), '2');
    assert.equal(run('{{index .Spec.Labels "a"}}', service), '1');
    assert.equal(run('{{index .Spec.Labels "com.x"}}', service), 'y');
    // A missing key of a map[string]string is "" with index, <no value> as a field.
    assert.equal(run('{{index .Spec.Labels "nope"}}|{{.Spec.Labels.nope}}', service), '|<no value>');
    assert.equal(run('{{index .Spec.TaskTemplate.ContainerSpec.Env 1}}', service), 'B=2');
  });
  it('labels or a dash', () => {
    const t = '{{if .Spec.Labels}}{{range $k, $v := .Spec.Labels}}{{$k}} {{end}}{{else}}-{{end}}';
    assert.equal(run(t, service), 'a b com.x ');
    assert.equal(run(t, replicated), '-');
  });
  it('comma-separated list without a trailing comma', () => {
    const t = '{{range $i, $e := .Spec.TaskTemplate.ContainerSpec.Env}}{{if $i}},{{end}}{{$e}}{{end}}';
    assert.equal(run(t, service), 'A=1,B=2');
  });
});

describe('if / else if / else', () => {
  it('picks a branch by Go truth', () => {
    const t = '{{if .}}T{{else}}F{{end}}';
    for (const v of [false, 0, '', [], {}, null, undefined]) assert.equal(run(t, v), 'F', String(v));
    for (const v of [true, 1, -1, 0.5, 'x', [0], { a: 0 }]) assert.equal(run(t, v), 'T', String(v));
    assert.equal(run('{{if .Missing}}T{{else}}F{{end}}', {}), 'F');
  });
  it('chains else if', () => {
    const t = '{{if eq .N 1}}one{{else if eq .N 2}}two{{else if gt .N 2}}many{{else}}none{{end}}';
    assert.deepEqual(
      [0, 1, 2, 5].map((N) => run(t, { N })),
      ['none', 'one', 'two', 'many'],
    );
    assert.equal(run('{{if eq 1 2}}a{{else if eq 2 2}}b{{end}}'), 'b');
  });
  it('nests', () => {
    assert.equal(run('{{if .A}}{{if .B}}ab{{else}}a{{end}}{{end}}', { A: 1, B: 0 }), 'a');
  });
});

describe('range', () => {
  it('sets dot to each element; $i, $e and $k, $v', () => {
    assert.equal(run('{{range .}}[{{.}}]{{end}}', ['a', 'b']), '[a][b]');
    assert.equal(run('{{range $i, $e := .}}{{$i}}:{{$e}} {{end}}', ['a', 'b', 'c']), '0:a 1:b 2:c ');
    assert.equal(run('{{range $e := .}}{{$e}}{{end}}', ['x', 'y']), 'xy');
    assert.equal(run('{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { z: 1, a: 2, m: 3 }), 'a=2;m=3;z=1;');
    assert.equal(run('{{range .}}{{.Name}} {{end}}', [{ Name: 'a' }, { Name: 'b' }]), 'a b ');
  });
  it('runs else when there is nothing to visit', () => {
    for (const v of [[], {}, null, undefined, 0])
      assert.equal(run('{{range .}}x{{else}}empty{{end}}', v), 'empty');
    assert.equal(run('{{range .Nope}}x{{else}}empty{{end}}', {}), 'empty');
  });
  it('ranges over an integer (Go 1.22)', () => {
    assert.equal(run('{{range 3}}{{.}}{{end}}'), '012');
    assert.equal(run('{{range $i := 3}}{{$i}}{{end}}'), '012');
  });
  it('break and continue', () => {
    const l = ['a', 'b', 'c', 'd'];
    assert.equal(run('{{range $i, $e := .}}{{if eq $i 2}}{{break}}{{end}}{{$e}}{{end}}', l), 'ab');
    assert.equal(run('{{range $i, $e := .}}{{if eq $i 1}}{{continue}}{{end}}{{$e}}{{end}}', l), 'acd');
  });
  it('keeps $ as the root inside', () => {
    assert.equal(run('{{range .L}}{{$.P}}{{.}} {{end}}', { P: '>', L: [1, 2] }), '>1 >2 ');
  });
  it('nests', () => {
    const v = { M: { a: ['1', '2'], b: ['3'] } };
    assert.equal(run('{{range $k, $l := .M}}{{range $l}}{{$k}}{{.}} {{end}}{{end}}', v), 'a1 a2 b3 ');
  });
});

describe('with', () => {
  it('moves dot when true, else runs else with the old dot', () => {
    assert.equal(run('{{with .A}}[{{.B}}]{{end}}', { A: { B: 'x' } }), '[x]');
    assert.equal(run('{{with .A}}[{{.}}]{{else}}{{.C}}{{end}}', { A: '', C: 'c' }), 'c');
    assert.equal(run('{{with $x := .A}}{{$x}}{{$.A}}{{end}}', { A: 'a' }), 'aa');
  });
  it('chains else with', () => {
    const t = '{{with .A}}a={{.}}{{else with .B}}b={{.}}{{else}}none{{end}}';
    assert.equal(run(t, { B: 2 }), 'b=2');
    assert.equal(run(t, {}), 'none');
  });
});

describe('variables', () => {
  it('declares, assigns and scopes', () => {
    assert.equal(run('{{$x := .A}}{{$x}}', { A: 'a' }), 'a');
    assert.equal(run('{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}'), '2');
    assert.equal(run('{{$a := "x"}}{{$b := "y"}}{{$a}}{{$b}}{{$a = $b}}{{$a}}'), 'xyy');
    assert.equal(run('{{$.A}} {{$}}', { A: 'a' }), 'a map[A:a]');
    assert.equal(run('{{$x := .A}}{{$x.B}}', { A: { B: 'b' } }), 'b');
  });
  it('refuses a variable outside its scope', () => {
    fails('{{if true}}{{$y := 1}}{{end}}{{$y}}', 'template: :1: undefined variable "$y"');
    fails('{{$x}}', 'template: :1: undefined variable "$x"');
  });
});

describe('functions', () => {
  it('compares', () => {
    assert.equal(
      run('{{eq 1 2 3 1}} {{ne "a" "b"}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}'),
      'true true true true true false',
    );
    assert.equal(run('{{if eq .S "running"}}up{{end}}', { S: 'running' }), 'up');
    assert.equal(run('{{eq .Missing "x"}}', {}), 'false');
  });
  it('and, or, not return Go answers and stop early', () => {
    assert.equal(
      run('{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not 0}} {{not "a"}}'),
      '0 2 x  true false',
    );
    assert.equal(run('{{or .Name "default"}}', {}), 'default');
    assert.equal(run('{{if and .A (eq .A.B 1)}}y{{else}}n{{end}}', {}), 'n');
  });
  it('len counts bytes, elements and keys', () => {
    assert.equal(
      run('{{len "héllo"}} {{len .L}} {{len .M}} {{len .Missing}}', { L: [1, 2, 3], M: { a: 1 } }),
      '6 3 1 0',
    );
    assert.equal(run('{{.Name | len | printf "%03d"}}', { Name: 'default' }), '007');
  });
  it('index and slice', () => {
    assert.equal(run('{{index .L 1}} {{index .M "a" 0}}', { L: ['a', 'b'], M: { a: ['x'] } }), 'b x');
    assert.equal(run('{{slice "abcdef" 1 3}} {{slice .L 1}}', { L: ['a', 'b', 'c'] }), 'bc [b c]');
  });
  it('printf, print, println', () => {
    assert.equal(
      run('{{printf "%5.2f|%x|%X|%o|%b|%q|%v|%d|%s" 3.14159 255 255 8 5 "hi" 1.5 -3 "s"}}'),
      ' 3.14|ff|FF|10|101|"hi"|1.5|-3|s',
    );
    assert.equal(
      run('{{printf "%-5s|%5s|%05d|%+d|% d|%.3s|%c|%U|%t" "ab" "cd" 42 7 7 "abcdef" 65 65 true}}'),
      'ab   |   cd|00042|+7| 7|abc|A|U+0041|true',
    );
    assert.equal(
      run('{{printf "%d" "x"}} {{printf "%s"}} {{printf "%s" "a" 1}} {{printf "%z" 1}} {{printf "%"}}'),
      '%!d(string=x) %!s(MISSING) a%!(EXTRA int=1) %!z(int=1) %!(NOVERB)',
    );
    assert.equal(
      run('{{printf "%g %g %g %e %.3g %.3g %G" 1e6 1e-5 123456.0 1234.5678 1234.5678 0.0001234 1e21}}'),
      '1e+06 1e-05 123456 1.234568e+03 1.23e+03 0.000123 1E+21',
    );
    assert.equal(run('{{printf "%v %s %q" .L .L .L}}', { L: ['a', 'b'] }), '[a b] [a b] ["a" "b"]');
    assert.equal(run('{{printf "%T %T %T %T" 1 "a" 1.5 true}}'), 'int string float64 bool');
    assert.equal(run('{{printf "%08.3f|%-8d|%x|% x" 3.14159 5 "hi" "hi"}}'), '0003.142|5       |6869|68 69');
    assert.equal(run('{{printf "%#x %#o %#v %6.2f%%" 255 8 "s" 12.3456}}'), '0xff 010 "s"  12.35%');
    assert.equal(
      run('{{printf "%v" .Missing}} {{printf "%s %d" nil nil}}', {}),
      '<nil> %!s(<nil>) %!d(<nil>)',
    );
    assert.equal(run('{{print 1 2 "a" 3 "b" "c"}}|{{println 1 "a"}}|'), '1 2a3bc|1 a\n|');
    assert.equal(run('{{"a" | printf "%s-%s" "b"}}'), 'b-a');
  });
  it("Docker's string functions", () => {
    assert.equal(
      run(
        '{{title "hello wORLD don\'t"}} {{upper "abc"}} {{lower "ABC"}} {{pad "x" 2 1}}| {{truncate "abcdef" 3}}',
      ),
      "Hello WORLD Don'T ABC abc   x | abc",
    );
    assert.equal(run('{{join (split "a b" " ") "-"}}'), 'a-b');
  });
  it('html, js, urlquery', () => {
    assert.equal(run('{{html "<a href=\'x\'>&\\"</a>"}}'), '&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;');
    assert.equal(run('{{js "a\'b\\"c<d>=&"}}'), 'a\\\'b\\"c\\u003Cd\\u003E\\u003D\\u0026');
    assert.equal(run('{{urlquery "a b&c=d/é!*"}}'), 'a+b%26c%3Dd%2F%C3%A9%21%2A');
  });
});

describe('syntax', () => {
  it('literals', () => {
    assert.equal(
      run("{{0x1F}} {{1_000}} {{'a'}} {{-5}} {{+5}} {{.5}} {{1e3}} {{017}} {{0o17}} {{0b101}} {{1.0}}"),
      '31 1000 97 -5 5 0.5 1000 15 15 5 1',
    );
    assert.equal(
      run('{{"\\x41\\u00e9\\t|"}} {{`raw\\n`}} {{true}} {{print nil}}'),
      'Aé\t| raw\\n true <nil>',
    );
  });
  it('trims and comments', () => {
    assert.equal(run('{{- /* comment */ -}} x {{- 1 -}} y'), 'x1y');
    assert.equal(run('{{if .A -}}\n   yes   \n{{- end}}', { A: 1 }), 'yes');
    assert.equal(run('a {{/* c */}} b'), 'a  b');
    assert.equal(run('{{range .}}\n  {{- .}}\n{{- end}}', [1, 2]), '12');
  });
  it('parenthesized pipelines and chained fields', () => {
    const v = { M: { docker: { Host: 'unix:///x' } } };
    assert.equal(run('{{(index .M "docker").Host}}', v), 'unix:///x');
    assert.equal(run('{{with .M.docker}}{{.Host}}{{end}}', v), 'unix:///x');
    assert.equal(run('{{len .M | eq 1}}', v), 'true');
  });
  it('spans lines', () => {
    assert.equal(run('{{range .}}\n{{.}}\n{{end}}', ['a']), '\na\n');
  });
});

describe('errors, in Go words', () => {
  it('at parse time', () => {
    fails('{{if .Name}}x', 'template: :1: unexpected EOF');
    fails('{{end}}', 'template: :1: unexpected {{end}}');
    fails('{{else}}', 'template: :1: unexpected {{else}}');
    fails('{{if .A}}a{{else}}b{{else}}c{{end}}', 'template: :1: expected end; found {{else}}');
    fails('{{if}}{{end}}', 'template: :1: missing value for if');
    fails('{{range}}{{end}}', 'template: :1: missing value for range');
    fails('{{}}', 'template: :1: missing value for command');
    fails('{{nope}}', 'template: :1: function "nope" not defined');
    fails('{{.Name', 'template: :1: unclosed action');
    fails('{{"abc}}', 'template: :1: unterminated quoted string');
    fails('{{1x}}', 'template: :1: bad number syntax: "1x"');
    fails('{{.Name | "x"}}', 'template: :1: non executable command in pipeline stage 2');
    fails('{{break}}', 'template: :1: {{break}} outside {{range}}');
    fails('{{range .L}}{{end 1}}', 'template: :1: unexpected "1" in end');
    fails('{{#}}', 'template: :1: unexpected "#" in command');
    fails('{{/* x */ 1}}', 'template: :1: comment ends before closing delimiter');
    fails('{{.Name)}}', 'template: :1: unexpected right paren');
    fails('{{(.Name}}', 'template: :1: unclosed left paren');
    fails('{{range $a, $b, $c := .L}}{{end}}', 'template: :1: too many declarations in range');
    fails('{{range $a, 1}}{{end}}', 'template: :1: range can only initialize variables');
    fails('{{range 3}}{{else if true}}x{{end}}', 'template: :1: unexpected <if> in input');
    fails('a\n{{if .A}}\n{{else}}\n{{end}}x{{end}}', 'template: :4: unexpected {{end}}');
  });
  it('at run time', () => {
    fails('{{len 1 2}}', 'template: :1:2: executing "" at <len>: wrong number of args for len: want 1 got 2');
    fails(
      '{{index}}',
      'template: :1:2: executing "" at <index>: wrong number of args for index: want at least 1 got 0',
    );
    fails('{{len 3}}', 'template: :1:2: executing "" at <len 3>: error calling len: len of type int');
    fails(
      '{{eq "a" 1}}',
      'template: :1:2: executing "" at <eq "a" 1>: error calling eq: incompatible types for comparison',
    );
    fails(
      '{{lt true false}}',
      'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison',
    );
    fails(
      '{{index .L 3}}',
      'template: :1:2: executing "" at <index .L 3>: error calling index: index out of range: 3',
      { L: ['a'] },
    );
    fails(
      '{{.Name.X}}',
      'template: :1:7: executing "" at <.Name.X>: can\'t evaluate field X in type string',
      {
        Name: 'n',
      },
    );
    fails(
      '{{with $x := .Name}}{{$x.Y}}{{end}}',
      'template: :1:24: executing "" at <$x.Y>: can\'t evaluate field Y in type string',
      {
        Name: 'n',
      },
    );
    fails(
      '{{.Name 1}}',
      'template: :1:2: executing "" at <.Name>: Name has arguments but cannot be invoked as function',
      {
        Name: 'n',
      },
    );
    fails('{{nil}}', 'template: :1:2: executing "" at <nil>: nil is not a command');
    fails(
      '{{range $i, $c := "abc"}}{{end}}',
      'template: :1:18: executing "" at <"abc">: range can\'t iterate over abc',
    );
    fails('{{$x = 1}}', 'template: :1:7: executing "" at <1>: undefined variable: $x');
  });
});
