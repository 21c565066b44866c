import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realClock } from './clock.ts';

test('a timer longer than 2^31 ms does not fire at once (Node would clamp it to 1 ms)', async () => {
  let fired = false;
  const t = realClock.setTimeout(
    () => {
      fired = true;
    },
    90 * 24 * 3600 * 1000,
  );
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fired, false);
  t.cancel();
});

test('short timers fire', async () => {
  await new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
});
