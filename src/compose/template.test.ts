// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose templates are literal text here
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolate } from './interpolate.ts';
import { substitute, TemplateError } from './template.ts';

const env: Record<string, string> = { A: 'a', EMPTY: '', N: '3' };
const lookup = (n: string) => env[n];

describe('substitute', () => {
  it('expands every form', () => {
    const cases: Array<[string, string]> = [
      ['$A', 'a'],
      ['${A}', 'a'],
      ['x${A}y$A', 'xaya'],
      ['$UNSET', ''],
      ['${UNSET:-d}', 'd'],
      ['${EMPTY:-d}', 'd'],
      ['${EMPTY-d}', ''],
      ['${UNSET-d}', 'd'],
      ['${A:-d}', 'a'],
      ['${UNSET:-a b-c}', 'a b-c'],
      ['$$A', '$A'],
      ['cost: $$5', 'cost: $5'],
      ['${A?x}', 'a'],
      ['${EMPTY?x}', ''],
      ['$A-b', 'a-b'],
      ['no vars', 'no vars'],
    ];
    for (const [t, want] of cases) assert.equal(substitute(t, lookup), want, t);
  });

  it('refuses required variables and malformed templates', () => {
    assert.throws(() => substitute('${UNSET:?set it}', lookup), {
      detail: 'required variable UNSET is missing a value: set it',
    });
    assert.throws(() => substitute('${EMPTY:?must}', lookup), {
      detail: 'required variable EMPTY is missing a value: must',
    });
    assert.throws(() => substitute('${UNSET?}', lookup), {
      detail: 'required variable UNSET is missing a value: ',
    });
    for (const bad of ['${}', '${1x}', 'end$', '${A', '$-', '${A:x}']) {
      assert.throws(() => substitute(bad, lookup), TemplateError, bad);
    }
  });
});

describe('interpolate', () => {
  it('casts typed paths and names the path in errors', () => {
    const doc = interpolate(
      {
        services: {
          web: {
            image: 'x:${A}',
            deploy: { replicas: '${N}' },
            read_only: '${YES:-yes}',
            environment: ['N=${N}'],
          },
        },
        networks: { n: { external: '${EXT:-true}' } },
      },
      lookup,
    );
    assert.deepEqual(doc, {
      services: { web: { image: 'x:a', deploy: { replicas: 3 }, read_only: true, environment: ['N=3'] } },
      networks: { n: { external: true } },
    });
    assert.throws(() => interpolate({ services: { web: { image: '${UNSET:?need image}' } } }, lookup), {
      message:
        'invalid interpolation format for services.web.image: "required variable UNSET is missing a value: need image"; you may need to escape any $ with another $',
    });
    assert.throws(() => interpolate({ services: { web: { environment: ['X=${}'] } } }, lookup), {
      message:
        'invalid interpolation format for services.web.environment.[]: "X=${}"; you may need to escape any $ with another $',
    });
    assert.throws(() => interpolate({ services: { web: { deploy: { replicas: '${A}' } } } }, lookup), {
      message:
        'error while interpolating services.web.deploy.replicas: failed to cast to expected type: strconv.Atoi: parsing "a": invalid syntax',
    });
  });
});
