/**
 * The shared executor contract on ProcessExecutor, with real processes on the real clock.
 * The grace is generous: on a loaded machine a shell takes a while to stop.
 */
import { executorContract } from '../contract.ts';
import { harness } from './testkit.ts';

executorContract('ProcessExecutor', async () => harness(), {
  graceMs: 1_000,
  slackMs: 50,
  timeoutMs: 10_000,
});
