import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { table } from './table.ts';

describe('table', () => {
  it('pads cells like the docker CLI (min 10, padding 3, last cell bare)', () => {
    const out = table(
      ['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'],
      [
        ['dueerjxm3crh', 'g', 'global', '1/1', 'busybox:latest', ''],
        ['9i7917745i1d', 'web', 'replicated', '2/2', 'nginx:1.27', ''],
      ],
    );
    assert.equal(
      out,
      [
        'ID             NAME      MODE         REPLICAS   IMAGE            PORTS',
        'dueerjxm3crh   g         global       1/1        busybox:latest   ',
        '9i7917745i1d   web       replicated   2/2        nginx:1.27       ',
        '',
      ].join('\n'),
    );
  });
  it('a header alone', () => {
    assert.equal(table(['ID', 'NAME'], []), 'ID        NAME\n');
  });
});
