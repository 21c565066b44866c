import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration, goFloat, goQuote } from './go-format.ts';

describe('goQuote (%q)', () => {
  const cases: Array<[string, string]> = [
    ['busybox###', '"busybox###"'],
    ['', '""'],
    ['a"b', '"a\\"b"'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\there', '"tab\\there"'],
    ['nl\n', '"nl\\n"'],
    ['\u0001', '"\\x01"'],
    ['\u007f', '"\\x7f"'],
    ['héllo', '"héllo"'],
  ];
  for (const [input, want] of cases)
    it(`quotes ${JSON.stringify(input)}`, () => assert.equal(goQuote(input), want));
});

describe('goFloat (%g)', () => {
  const cases: Array<[number, string]> = [
    [1e-9, '1e-09'],
    [4.2e-8, '4.2e-08'],
    [0.001, '0.001'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.5, '0.5'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [1234567, '1.234567e+06'],
    [-1e-9, '-1e-09'],
    [0, '0'],
    [1e21, '1e+21'],
  ];
  for (const [input, want] of cases) it(`formats ${input}`, () => assert.equal(goFloat(input), want));
});

describe('goDuration (time.Duration.String)', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [3, '3ns'],
    [1_500, '1.5µs'],
    [1_000_000, '1ms'],
    [1_500_000, '1.5ms'],
    [1e9, '1s'],
    [1.5e9, '1.5s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [3600e9 + 5e9, '1h0m5s'],
    [7500e9, '2h5m0s'],
    [-5e9, '-5s'],
  ];
  for (const [input, want] of cases) it(`formats ${input}ns`, () => assert.equal(goDuration(input), want));
});
