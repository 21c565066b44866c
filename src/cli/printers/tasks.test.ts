import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../api/index.ts';
import { renderListing } from '../format/listing.ts';
import { taskListing } from './tasks.ts';

const now = Date.parse('2026-01-01T00:01:00Z');
const t = (id: string, slot: number, state: string, at: string, err?: string): Task =>
  ({
    ID: id.padEnd(25, '0'),
    ServiceID: 'svc',
    Slot: slot,
    NodeID: 'node1',
    DesiredState: state === 'running' ? 'running' : 'shutdown',
    Spec: { ContainerSpec: { Image: 'nginx:1.27@sha256:abc' } },
    Status: { State: state, Timestamp: at, ...(err ? { Err: err } : {}) },
    CreatedAt: at,
    UpdatedAt: at,
  }) as Task;

describe('taskListing', () => {
  const names = { services: new Map([['svc', 'web']]), nodes: new Map([['node1', 'shoal-1']]) };
  const tasks = [
    t('old', 1, 'failed', '2026-01-01T00:00:00Z', 'task: non-zero exit (1) and then a long story'),
    t('new', 1, 'running', '2026-01-01T00:00:55Z'),
    t('two', 2, 'running', '2026-01-01T00:00:50Z'),
  ];
  it('groups a slot’s history under its newest task', () => {
    const out = renderListing(taskListing(tasks, names, { trunc: true, now }), {});
    const lines = out.trimEnd().split('\n');
    assert.match(
      lines[0] ?? '',
      /^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS$/,
    );
    assert.match(
      lines[1] ?? '',
      /^new000000000\s+web\.1\s+nginx:1\.27\s+shoal-1\s+Running\s+Running 5 seconds ago\s*$/,
    );
    assert.match(
      lines[2] ?? '',
      /^old000000000\s+ \\_ web\.1\s+nginx:1\.27\s+shoal-1\s+Shutdown\s+Failed About a minute ago\s+"task: non-zero exit \(1\) and t…"/,
    );
    assert.match(lines[3] ?? '', /^two000000000\s+web\.2\s/);
  });
  it('-q prints full ids; --no-trunc keeps digests and whole errors', () => {
    assert.equal(
      renderListing(taskListing(tasks, names, { trunc: true, now }), { quiet: true }).split('\n')[0],
      'new0000000000000000000000',
    );
    const full = renderListing(taskListing(tasks, names, { trunc: false, now }), {
      format: '{{.Image}} {{.Error}}',
    });
    assert.match(full, /nginx:1\.27@sha256:abc "task: non-zero exit \(1\) and then a long story"/);
  });
});
