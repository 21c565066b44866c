// Runs every scripted scenario in testdata/ (see scenario/script.ts for the format).
// UPDATE_TESTDATA=1 rewrites the expected output; review the diff before committing.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScript } from './scenario/script.ts';

const dir = join(import.meta.dirname, 'testdata');

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()) {
  test(`scenario ${file}`, async () => {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const { actual, failures } = await runScript(text);
    if (process.env.UPDATE_TESTDATA === '1') {
      writeFileSync(path, actual);
      return;
    }
    if (failures.length > 0) assert.equal(actual, text, `${file}: output differs at ${failures.join('; ')}`);
  });
}
