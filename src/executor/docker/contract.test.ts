/**
 * The shared executor contract on a real Docker Engine (test/support/dockerd.ts): busybox
 * containers on the real clock. Skips, saying why, when no engine can be started.
 */
import { after, test } from 'node:test';
import { testEngine } from '../../../test/support/dockerd.ts';
import { realClock } from '../../base/clock.ts';
import { executorContract } from '../contract.ts';
import { pollUntil } from '../testing.ts';
import { ownerFilter } from './names.ts';
import { dockerTask, programSpec, testExecutor } from './testkit.ts';

const t = await testEngine();
after(() => t.engine?.stop());

if (t.skip !== undefined) {
  test('DockerExecutor: executor contract', { skip: t.skip }, () => {});
} else {
  const engine = t.engine;
  executorContract(
    'DockerExecutor',
    async () => {
      const executor = testExecutor(engine);
      const owner = executor.opts.nodeId;
      return {
        executor,
        clock: realClock,
        task: (p) => dockerTask(programSpec(p)),
        until: (cond, ms) => pollUntil(realClock, cond, ms, 20),
        exists: async (id) =>
          (await engine.docker.listContainers({ all: true, filters: ownerFilter(owner, id) })).length > 0,
        dispose: () => executor.dispose(),
      };
    },
    { graceMs: 1_000, slackMs: 300, timeoutMs: 20_000 },
  );
}
