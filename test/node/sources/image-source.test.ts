// Image sources of the commands (trace, run, claims): a distortion named by the user is checked
// against the model's own config, and the error says what that config offers (not which library
// function to call).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../../src/tensor/io/idx.js';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { run } from '../../../src/node/commands/trace.js';
import { tinyConfig } from '../../helpers/tiny-resnet.js';
import { tmpRoot, writeTinyModel } from '../../helpers/tiny-model-dir.js';

const root = tmpRoot('splitee-trace-images-');
const withDeploy = writeTinyModel(root, 'deploy', { ...tinyConfig(), distortions: { contrast: { severities: [0.7, 0.5, 0.3], deployment: 2 }, rotation: [5, 10] } });
const without = writeTinyModel(root, 'plain');
const imgs = join(root, 'imgs.idx.gz');
writeFileSync(imgs, gzipSync(encodeIdx([3, 8, 8], new Uint8Array(3 * 64).map((_, i) => (i * 37) % 256))));

async function trace(model: string, distortion: string): Promise<string> {
  const [log, error] = [console.log, console.error];
  console.log = console.error = () => {};
  try {
    await run(['--model', model, '--data', imgs, '--distortion', distortion, '--out', join(root, 'out.csv')]);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ArgumentError, String(e));
    return (e as Error).message;
  } finally {
    [console.log, console.error] = [log, error];
  }
}

test("NAME:deploy without a deployment severity in the model's config: which severities and deployments it has", async () => {
  assert.is(
    await trace(withDeploy, 'rotation:deploy'),
    `distortion: no deployment severity for rotation in ${join(withDeploy, 'config.json')}: got 'rotation:deploy', expected rotation:S with S in 1..2 (rotation 5, 10); hint: NAME:deploy works for contrast (2)`,
  );
  assert.is(
    await trace(without, 'occlusion:deploy'),
    `distortion: no deployment severity for occlusion in ${join(without, 'config.json')}: got 'occlusion:deploy', expected occlusion:S with S in 1..5 (occlusion 4, 6, 8, 10, 12); hint: this config names no deployment severity`,
  );
  for (const m of [await trace(withDeploy, 'rotation:deploy'), await trace(without, 'occlusion:deploy')]) assert.not.match(m, /distortionSettingsFromConfig/);
  assert.is(await trace(withDeploy, 'contrast:deploy'), 'ok');
  assert.is(await trace(withDeploy, 'rotation:2'), 'ok');
  assert.match(await trace(withDeploy, 'rotation:3'), /severity out of range for rotation: got '3', expected an integer in 1\.\.2/);
});

test.run();
