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
import { loadModel } from '../../../src/node/models/load.js';
import { resolveSource } from '../../../src/node/data-sources.js';

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

test('a drifting --distortion: the segments of the stream get their distortions (as each alone would), described with their starts; same seed, same stream', async () => {
  const model = loadModel(withDeploy);
  const req = (distortion: string, seed = 1) => resolveSource(model, { data: imgs, labels: undefined, distortion, seed, limit: undefined });
  const drift = req('clean>contrast:deploy>rotation:2');
  assert.is(drift.count, 3);
  assert.match(drift.description, /\(none@0>contrast:2@1>rotation:2@2, seed 1\)$/);
  const rows = (src: ReturnType<typeof req>, t: number) => Array.from(src.batch(t, 1).flat());
  for (const [t, one] of [[0, 'clean'], [1, 'contrast:2'], [2, 'rotation:2']] as const) assert.equal(rows(drift, t), rows(req(one), t), `sample ${t}`);
  assert.equal(Array.from(req('clean>contrast:deploy>rotation:2').batch(0, 3).flat()), Array.from(drift.batch(0, 3).flat()));
  assert.is(await trace(withDeploy, 'clean>contrast:deploy>rotation:2'), 'ok'); // splitee trace --distortion takes it too
  assert.throws(() => req('clean>rotation:deploy'), /no deployment severity for rotation/); // each segment checked against the config
  assert.throws(() => resolveSource(model, { data: imgs, labels: undefined, distortion: 'clean>contrast:1>rotation:1>rotation:2', seed: 1, limit: undefined }), /stream too short: got 3 samples for 4 segments/);
});

test.run();
