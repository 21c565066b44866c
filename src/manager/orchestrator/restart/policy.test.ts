import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Task } from '../../../api/task.ts';
import type { Stored } from '../../../store/types.ts';
import {
  conditionAllows,
  type RestartHistory,
  recordRestart,
  restartPolicy,
  withinAttempts,
} from './policy.ts';

const spec = (RestartPolicy?: object) => ({ Spec: { RestartPolicy } }) as unknown as Stored<Task>;

describe('restart policy', () => {
  it("Docker's defaults: any, 5 s, unlimited, unbounded", () => {
    assert.deepEqual(restartPolicy(spec()), { condition: 'any', delayMs: 5000, maxAttempts: 0, windowMs: 0 });
    assert.deepEqual(restartPolicy(spec({ Delay: 0, Window: 3e9, MaxAttempts: 2 })), {
      condition: 'any',
      delayMs: 0,
      maxAttempts: 2,
      windowMs: 3000,
    });
  });

  it('conditions', () => {
    const table: Array<[Parameters<typeof conditionAllows>, boolean]> = [
      [['none', 'failed', false], false],
      [['on-failure', 'failed', false], true],
      [['on-failure', 'complete', false], false],
      [['on-failure', 'rejected', false], true],
      [['any', 'complete', false], true],
      [['any', 'complete', true], false],
      [['any', 'failed', true], true],
    ];
    for (const [args, want] of table) assert.equal(conditionAllows(...args), want, args.join(' '));
  });

  it('attempts without a window count per spec version', () => {
    const p = restartPolicy(spec({ MaxAttempts: 2 }));
    let h: RestartHistory | undefined;
    assert.equal(withinAttempts(p, h, 1, 0), true);
    h = recordRestart(p, h, 1, 0);
    h = recordRestart(p, h, 1, 0);
    assert.equal(withinAttempts(p, h, 1, 0), false);
    assert.equal(withinAttempts(p, h, 2, 0), true, 'a new spec version starts again');
    h = recordRestart(p, h, 2, 0);
    assert.equal(h?.total, 1);
  });

  it('attempts within a window drop the restarts that left it', () => {
    const p = restartPolicy(spec({ MaxAttempts: 2, Window: 10e9 }));
    let h = recordRestart(p, undefined, 1, 1_000);
    h = recordRestart(p, h, 1, 5_000);
    assert.equal(withinAttempts(p, h, 1, 10_999), false);
    assert.equal(withinAttempts(p, h, 1, 11_000), true, 'the restart at 1 s is 10 s old');
    assert.deepEqual(h?.stamps, [5_000]);
  });

  it('no history is kept when attempts are unlimited', () => {
    assert.equal(recordRestart(restartPolicy(spec()), undefined, 1, 0), undefined);
  });
});
