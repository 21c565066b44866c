import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configSpec, dataOfSize, SECRET_DATA, secretSpec } from './fixtures.ts';
import { InvalidArgumentError } from './problem.ts';
import {
  assertValidSecretSpec,
  CONFIG_DATA_LIMIT,
  SECRET_DATA_LIMIT,
  validateConfigSpec,
  validateConfigUpdate,
  validateSecretSpec,
  validateSecretUpdate,
} from './secret.ts';

const SECRET_SIZE = 'secret data must be larger than 0 and less than 512000 bytes';
const CONFIG_SIZE = 'config data must be larger than 0 and less than 1024000 bytes';
const BAD_NAME =
  'invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]';

describe('validateSecretSpec', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a secret', secretSpec(), undefined],
    ['1 byte', secretSpec({ Data: dataOfSize(1) }), undefined],
    ['the largest secret (511999 bytes)', secretSpec({ Data: dataOfSize(SECRET_DATA_LIMIT - 1) }), undefined],
    [
      'an external secret without data',
      secretSpec({ Data: undefined, Driver: { Name: 'vault' } }),
      undefined,
    ],
    ['no data', secretSpec({ Data: undefined }), SECRET_SIZE],
    ['empty data', secretSpec({ Data: '' }), SECRET_SIZE],
    ['500 KiB exactly', secretSpec({ Data: dataOfSize(SECRET_DATA_LIMIT) }), SECRET_SIZE],
    ['a driver without name', secretSpec({ Driver: { Name: '' } }), 'secret driver must have a name'],
    ['no name', secretSpec({ Name: '' }), 'name must be provided'],
    ['a bad name', secretSpec({ Name: 'db password' }), BAD_NAME],
    ['data that is not base64', secretSpec({ Data: 'not base64!' }), 'illegal base64 data at input byte 3'],
    [
      'data as a number',
      secretSpec({ Data: 5 as never }),
      'json: cannot unmarshal number into Go struct field SecretSpec.Data of type []uint8',
    ],
  ];
  for (const [name, spec, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => assert.equal(validateSecretSpec(spec)[0]?.message, want));
  }
  it('throws InvalidArgumentError with the message', () => {
    assert.throws(
      () => assertValidSecretSpec(secretSpec({ Data: '' })),
      (e: unknown) => e instanceof InvalidArgumentError && e.message === SECRET_SIZE,
    );
  });
});

describe('validateConfigSpec', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a config', configSpec(), undefined],
    ['the largest config', configSpec({ Data: dataOfSize(CONFIG_DATA_LIMIT - 1) }), undefined],
    ['1000 KiB exactly', configSpec({ Data: dataOfSize(CONFIG_DATA_LIMIT) }), CONFIG_SIZE],
    ['empty data', configSpec({ Data: '' }), CONFIG_SIZE],
    ['a name with dots', configSpec({ Name: 'app.v2.conf' }), undefined],
    ['a name ending in a dot', configSpec({ Name: 'app.' }), BAD_NAME],
  ];
  for (const [name, spec, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => assert.equal(validateConfigSpec(spec)[0]?.message, want));
  }
});

describe('secret and config updates: labels only', () => {
  const current = secretSpec({ Labels: { a: '1' } });
  const cases: Array<[string, unknown, string | undefined]> = [
    ['new labels', { Name: current.Name, Labels: { b: '2' } }, undefined],
    ['the same data again', { Name: current.Name, Data: SECRET_DATA }, undefined],
    ['a new name', { Name: 'other', Labels: {} }, 'only updates to Labels are allowed'],
    [
      'new data',
      { Name: current.Name, Data: Buffer.from('other').toString('base64') },
      'only updates to Labels are allowed',
    ],
  ];
  for (const [name, next, want] of cases) {
    it(`${name} -> ${want ?? 'ok'}`, () => {
      assert.equal(validateSecretUpdate(current, next)[0]?.message, want);
      assert.equal(validateConfigUpdate({ ...current }, next)[0]?.message, want);
    });
  }
});
