// The README's first command: a swarm of real daemon processes with a running service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSwarmDemo } from './swarm-demo.ts';

test('shoal demo: 3 managers and 1 worker form a swarm and run the web service', async () => {
  const lines: string[] = [];
  await runSwarmDemo({ exit: true, replicas: 3, executor: 'process', out: (l) => lines.push(l) });
  const text = lines.join('\n');
  assert.match(text, /swarm init on node1 .* is the leader/);
  assert.equal(lines.filter((l) => /swarm join on node\d .* as a manager/.test(l)).length, 2, text);
  assert.equal(lines.filter((l) => /swarm join on node\d .* as a worker/.test(l)).length, 1, text);
  assert.match(text, /overall progress: 3 out of 3 tasks running/);
  const nodeRows = lines.filter((l) => /^\w{25}( \*)?\s+node\d\s+Ready\s+Active/.test(l));
  assert.equal(nodeRows.length, 4, text);
  assert.equal(nodeRows.filter((l) => /\sLeader\s/.test(l)).length, 1, text);
  assert.equal(nodeRows.filter((l) => /\sReachable\s/.test(l)).length, 2, text);
  const taskRows = lines.filter((l) => /^\w{12}\s+web\.\d\s+.*Running\s+Running .* ago/.test(l));
  assert.equal(taskRows.length, 3, text);
  // Every node answers on the published port, also the one running no task.
  const mesh = lines.filter((l) =>
    /curl http:\/\/127\.0\.0\.\d:8080\/ {2}-> {2}hello from task web\.\d on node\d$/.test(l),
  );
  assert.equal(mesh.length, 4, text);
});
