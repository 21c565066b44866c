import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  atLeast,
  canTransition,
  displayState,
  isTaskState,
  isTerminal,
  TASK_STATES,
  type TaskState,
} from './task-state.ts';

test('the ladder has Docker numbers and only moves forward', () => {
  assert.equal(TASK_STATES.new, 0);
  assert.equal(TASK_STATES.running, 512);
  assert.equal(TASK_STATES.orphaned, 832);
  const names = Object.keys(TASK_STATES) as TaskState[];
  for (let i = 1; i < names.length; i++) {
    assert.ok(TASK_STATES[names[i] as TaskState] > TASK_STATES[names[i - 1] as TaskState]);
  }
  assert.equal(canTransition('running', 'starting'), false);
  assert.equal(canTransition('assigned', 'running'), true);
  assert.equal(canTransition('running', 'running'), true);
  assert.equal(canTransition('failed', 'running'), false);
});

test('terminal states and comparisons', () => {
  assert.equal(isTerminal('running'), false);
  assert.equal(isTerminal('complete'), true);
  assert.equal(isTerminal('shutdown'), true);
  assert.equal(atLeast('running', 'assigned'), true);
  assert.equal(atLeast('pending', 'assigned'), false);
  assert.equal(isTaskState('running'), true);
  assert.equal(isTaskState('Running'), false);
  assert.equal(displayState('running'), 'Running');
});
