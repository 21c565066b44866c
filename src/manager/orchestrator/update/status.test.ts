import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../api/service.ts';
import type { Stored } from '../../../store/types.ts';
import { finalMonitorMs, resolveUpdateConfig } from './config.ts';
import {
  classifySpecChange,
  completedStatus,
  pausedStatus,
  rollbackChanges,
  startedStatus,
} from './status.ts';

const S = (over: object) => ({ ID: 's', Version: { Index: 9 }, ...over }) as unknown as Stored<Service>;
const spec = (image: string, extra: object = {}) => ({
  Name: 's',
  TaskTemplate: { ContainerSpec: { Image: image } },
  ...extra,
});

describe('update config', () => {
  it("no config: Docker's defaults", () => {
    assert.deepEqual(resolveUpdateConfig(S({ Spec: spec('a') }), false), {
      parallelism: 1,
      delayMs: 0,
      monitorMs: 5000,
      failureAction: 'pause',
      maxFailureRatio: 0,
      order: 'stop-first',
    });
  });

  it('a given config keeps its zeros (parallelism 0 = all), except Monitor', () => {
    const c = resolveUpdateConfig(
      S({ Spec: spec('a', { UpdateConfig: { Delay: 2e9, Monitor: 0 } }) }),
      false,
    );
    assert.equal(c.parallelism, 0);
    assert.equal(c.delayMs, 2000);
    assert.equal(c.monitorMs, 5000);
  });

  it('a rollback uses RollbackConfig', () => {
    const s = S({
      Spec: spec('a', {
        UpdateConfig: { Parallelism: 3 },
        RollbackConfig: { Parallelism: 7, Order: 'start-first' },
      }),
    });
    assert.equal(resolveUpdateConfig(s, true).parallelism, 7);
    assert.equal(resolveUpdateConfig(s, true).order, 'start-first');
    assert.equal(resolveUpdateConfig(s, false).parallelism, 3);
  });

  it('the last watch lasts past a delay longer than the monitor', () => {
    const base = resolveUpdateConfig(S({ Spec: spec('a') }), false);
    assert.equal(finalMonitorMs(base), 5000);
    assert.equal(finalMonitorMs({ ...base, delayMs: 5000 }), 6000);
  });
});

describe('update status', () => {
  it('transitions and messages', () => {
    assert.deepEqual(startedStatus(false, 'T'), {
      State: 'updating',
      Message: 'update in progress',
      StartedAt: 'T',
    });
    assert.deepEqual(startedStatus(true, 'T'), {
      State: 'rollback_started',
      Message: 'manually requested rollback',
      StartedAt: 'T',
    });
    assert.equal(pausedStatus({ State: 'updating' }, 'm').State, 'paused');
    assert.equal(pausedStatus({ State: 'rollback_started' }, 'm').State, 'rollback_paused');
    assert.deepEqual(completedStatus({ State: 'updating', StartedAt: 'A' }, 'B'), {
      State: 'completed',
      Message: 'update completed',
      StartedAt: 'A',
      CompletedAt: 'B',
    });
    assert.equal(completedStatus({ State: 'rollback_started' }, 'B').Message, 'rollback completed');
  });

  it('the automatic rollback swaps the spec back and forgets the previous one', () => {
    const s = S({
      Spec: spec('new'),
      PreviousSpec: spec('old'),
      UpdateStatus: { State: 'updating', StartedAt: 'A' },
    });
    const c = rollbackChanges(s, 'why');
    assert.deepEqual(c?.Spec, spec('old'));
    assert.equal(c?.PreviousSpec, undefined);
    assert.ok(c && 'PreviousSpec' in c, 'cleared explicitly');
    assert.deepEqual(c?.UpdateStatus, { State: 'rollback_started', Message: 'why', StartedAt: 'A' });
    assert.deepEqual(c?.SpecVersion, { Index: 9 });
    assert.equal(rollbackChanges(S({ Spec: spec('new') }), 'why'), undefined);
  });

  it('classifies service changes', () => {
    const v1 = S({ Spec: spec('a'), UpdateStatus: { State: 'completed' } });
    assert.equal(classifySpecChange(v1, S({ ...v1, UpdateStatus: { State: 'paused' } })), 'none');
    const v2 = S({ Spec: spec('b'), PreviousSpec: spec('a'), UpdateStatus: { State: 'completed' } });
    assert.equal(classifySpecChange(v1, v2), 'update', 'status left from the older spec');
    assert.equal(classifySpecChange(v1, S({ Spec: spec('b') })), 'written', 'controlapi cleared it');
    assert.equal(classifySpecChange(v2, S({ ...v2, Spec: spec('a'), PreviousSpec: spec('b') })), 'rollback');
  });
});
