/**
 * The proof tier through Shoal's own CLI: the same scenarios as services.test.ts, run with
 * `./bin/shoal` (SHOAL_HOST picks the daemon) against a real 3-node Shoal cluster
 * (service-scenarios.ts), plus the leading `-H` flag.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { NOT_A_MANAGER, runShoal, serviceScenarios } from './service-scenarios.ts';

serviceScenarios({
  cli: 'shoal',
  name: 'shoal-cli',
  port: 24800,
  more: (ctx) => {
    it('shoal -H picks the daemon, whatever SHOAL_HOST says', async () => {
      // SHOAL_HOST points at the worker; -H at the manager wins.
      const viaFlag = await runShoal(ctx.w1, ['-H', ctx.m1.host, 'node', 'ls']);
      assert.equal(viaFlag.code, 0, viaFlag.stderr);
      assert.match(viaFlag.stdout, /\s\*\s+m1\s+Ready/);
      const onLeaf = await runShoal(ctx.w1, ['service', 'ls', '-H', ctx.m1.host]);
      assert.equal(onLeaf.code, 0, onLeaf.stderr);
      const worker = await runShoal(ctx.m1, ['-H', ctx.w1.host, 'service', 'ls']);
      assert.notEqual(worker.code, 0);
      assert.ok(worker.stderr.includes(NOT_A_MANAGER), worker.stderr);
    });
  },
});
