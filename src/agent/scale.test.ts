/**
 * The session at a tenth of the benchmark's size, in every test run (bench.ts measures
 * 5,000 agents and 100,000 tasks): everything completes, no node goes down across a leader
 * change, writes and messages are batched, and the cost stays linear (loose bounds).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runScale } from './scale.ts';

it('500 agents, 10,000 tasks: register, run, heartbeat, fail over, shut down', async () => {
  const f = await runScale({ nodes: 500, tasks: 10_000 });
  assert.equal(f.nodesDown, 0, 'a leader change marks no node down');
  assert.equal(f.newLeaderNodeWrites, 0, 'nor writes anything for nodes that came back');
  // Each task is written about once per state it reaches (PREPARING, STARTING, RUNNING,
  // SHUTDOWN), in a few dozen store batches.
  assert.ok(f.taskWrites <= 10_000 * 5, `${f.taskWrites} task writes`);
  assert.ok(f.statusBatches < 100, `${f.statusBatches} status batches`);
  // A COMPLETE set per session plus a few INCREMENTAL messages per node.
  assert.ok(f.assignmentMessages <= 500 * 6, `${f.assignmentMessages} assignment messages`);
  assert.ok(f.assignVirtualMs < 2_000, `running after ${f.assignVirtualMs} ms of virtual time`);
  assert.ok(f.failoverVirtualMs < 1_000, `moved after ${f.failoverVirtualMs} ms of virtual time`);
  // Wall time: ~2 s on a loaded 2-core machine; the bound only catches the quadratic.
  const wall = f.registerMs + f.assignMs + f.steadyMs + f.failoverMs + f.shutdownMs;
  assert.ok(wall < 30_000, `${wall.toFixed(0)} ms`);
});
