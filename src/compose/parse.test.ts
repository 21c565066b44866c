import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnvFile } from './env.ts';
import { parsePortSpec } from './ports.ts';
import { parseCpus, parseDuration, ramInBytes, shellSplit } from './units.ts';
import { parseVolumeSpec, resolveBindSource } from './volumes.ts';

describe('value syntaxes', () => {
  it('durations as Go reads them', () => {
    assert.equal(parseDuration('10s'), 10e9);
    assert.equal(parseDuration('1m30s'), 90e9);
    assert.equal(parseDuration('1.5h'), 5400e9);
    assert.equal(parseDuration('100ms'), 1e8);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('2us'), 2000);
    assert.throws(() => parseDuration('10'), /missing unit|invalid duration|unknown unit/);
    assert.throws(() => parseDuration('ten s'), /invalid duration/);
    assert.throws(() => parseDuration('5d'), { message: 'time: unknown unit "d" in duration "5d"' });
  });

  it('sizes in binary units', () => {
    assert.equal(ramInBytes('512M'), 512 * 2 ** 20);
    assert.equal(ramInBytes('1g'), 2 ** 30);
    assert.equal(ramInBytes('1.5GiB'), 1.5 * 2 ** 30);
    assert.equal(ramInBytes('100'), 100);
    assert.equal(ramInBytes('64kb'), 65536);
    assert.throws(() => ramInBytes('lots'), { message: "invalid size: 'lots'" });
  });

  it('cpus exactly', () => {
    assert.equal(parseCpus('0.5'), 500_000_000);
    assert.equal(parseCpus('2'), 2_000_000_000);
    assert.equal(parseCpus('.25'), 250_000_000);
    assert.equal(parseCpus('1/4'), 250_000_000);
    assert.throws(() => parseCpus('0.0000000001'), { message: 'value is too precise' });
    assert.throws(() => parseCpus('half'), { message: 'failed to parse half as a rational number' });
  });

  it('shell words', () => {
    assert.deepEqual(shellSplit(`nginx -g "daemon off;"`), ['nginx', '-g', 'daemon off;']);
    assert.deepEqual(shellSplit(`sh -c 'echo $HOME' a\\ b ""`), ['sh', '-c', 'echo $HOME', 'a b', '']);
    assert.throws(() => shellSplit('echo "unclosed'), /closing quote/);
  });
});

describe('short port syntax', () => {
  it('expands to long entries', () => {
    assert.deepEqual(parsePortSpec('8080:80'), [
      { mode: 'ingress', target: 80, published: 8080, protocol: 'tcp' },
    ]);
    assert.deepEqual(parsePortSpec('53:53/udp'), [
      { mode: 'ingress', target: 53, published: 53, protocol: 'udp' },
    ]);
    assert.deepEqual(parsePortSpec('80'), [{ mode: 'ingress', target: 80, published: 0, protocol: 'tcp' }]);
    assert.deepEqual(parsePortSpec('127.0.0.1:8080:80'), [
      { mode: 'ingress', target: 80, published: 8080, protocol: 'tcp' },
    ]);
    assert.deepEqual(
      parsePortSpec('9000-9001:80-81').map((p) => [p.published, p.target]),
      [
        [9000, 80],
        [9001, 81],
      ],
    );
    assert.throws(() => parsePortSpec('9000-9002:80-81'), /Invalid ranges specified/);
    assert.throws(() => parsePortSpec('80/icmp'), { message: 'Invalid proto: icmp' });
    assert.throws(() => parsePortSpec('x:80'), { message: 'Invalid hostPort: x' });
  });
});

describe('short volume syntax', () => {
  it('names, binds, anonymous volumes and options', () => {
    assert.deepEqual(parseVolumeSpec('/data'), { type: 'volume', target: '/data' });
    assert.deepEqual(parseVolumeSpec('db:/var/lib/db'), {
      type: 'volume',
      source: 'db',
      target: '/var/lib/db',
    });
    assert.deepEqual(parseVolumeSpec('./conf:/etc/conf:ro'), {
      type: 'bind',
      source: './conf',
      target: '/etc/conf',
      read_only: true,
    });
    assert.deepEqual(parseVolumeSpec('/src:/dst:rw,rshared'), {
      type: 'bind',
      source: '/src',
      target: '/dst',
      read_only: false,
      bind: { propagation: 'rshared' },
    });
    assert.deepEqual(parseVolumeSpec('v:/x:nocopy'), {
      type: 'volume',
      source: 'v',
      target: '/x',
      volume: { nocopy: true },
    });
    assert.throws(() => parseVolumeSpec('a::b'), /empty section between colons/);
    assert.throws(() => parseVolumeSpec('a:b:c:d'), /too many colons/);
    assert.equal(resolveBindSource('./conf', '/proj', '/home/u'), '/proj/conf');
    assert.equal(resolveBindSource('~/x', '/proj', '/home/u'), '/home/u/x');
    assert.equal(resolveBindSource('/abs', '/proj', undefined), '/abs');
  });
});

describe('env files', () => {
  it('reads KEY=VALUE lines, comments, bare names and quotes', () => {
    const text = '# c\nA=1\n\n  B = x\nC\nD\nQ="quoted value"\nexport E=5\n';
    const lookup = (n: string) => (n === 'C' ? 'from-shell' : undefined);
    assert.deepEqual(parseEnvFile('A=1\nC\nD\nQ="q"\n', { lookup }), [
      ['A', '1'],
      ['C', 'from-shell'],
      ['Q', '"q"'],
    ]);
    assert.deepEqual(parseEnvFile(text, { unquote: true, lookup }), [
      ['A', '1'],
      ['B', 'x'],
      ['C', 'from-shell'],
      ['Q', 'quoted value'],
      ['E', '5'],
    ]);
    assert.throws(() => parseEnvFile('=x'), { message: "no variable name on line '=x'" });
  });
});
