// The README's Node quickstart is examples/quickstart-node.ts, run here as a user runs it (against a
// cloud on loopback): 20 samples, each split, exited or offloaded, at least one offload, no fallback;
// and the README shows both quickstart files exactly as they are.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../src/node/models/load.js';
import { startServer } from '../../src/node/server.js';
import { fmnistModelDir } from '../helpers/model-dir.js';

const DIR = fmnistModelDir().dir;

test('examples/quickstart-node.ts: 20 rounds against a cloud on loopback, offloads, no fallback', async () => {
  const server = await startServer({ models: [loadModel(DIR)] });
  try {
    const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', 'examples/quickstart-node.ts'], { env: { ...process.env, MODEL_DIR: DIR, CLOUD_URL: server.url } });
    const lines = stdout.trim().split('\n');
    assert.is(lines.length, 20, stdout);
    for (const l of lines) assert.match(l, /^sample \d+: split \d+ (exit|final|offload|fallback) -> class \d/);
    assert.ok(lines.some((l) => / offload /.test(l)), 'at least one offload');
    assert.not.ok(lines.some((l) => / fallback /.test(l)), 'no fallback');
  } finally {
    await server.close();
  }
});

test("the README's quickstarts are the example files, line for line", () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const f of ['examples/quickstart-node.ts', 'examples/quickstart-page.ts']) {
    const code = readFileSync(f, 'utf8').trimEnd();
    assert.ok(readme.includes(`\`\`\`ts\n${code}\n\`\`\``), `README.md does not show ${f} as it is`);
  }
});

test.run();
