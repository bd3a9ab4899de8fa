// The engine's per-exit predictions on the shipped stream sample (the first test images) against
// PyTorch's trace of the same images (traces/pytorch-clean-test.csv): per-exit accuracy within 0.1
// point and argmax agreement, on all 2,000 shipped images (about a minute: the slowest test; the
// full 10k run is in the model card, by `splitee trace`).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace } from '../../../src/splitee/trace.js';
import { ResNetModel } from '../../../src/layers/resnet.js';
import { loadModel } from '../../../src/node/models/load.js';
import { resolveImageSource } from '../../../src/node/sources/image-source.js';
import { writeExit } from '../../../src/node/commands/trace.js';
import { fmnistModelDir } from '../../helpers/model-dir.js';

const LIMIT = 2000;
const found = fmnistModelDir();
const pytorchTrace = join(found.dir, 'traces', 'pytorch-clean-test.csv');

test(`per-exit predictions on the shipped sample match PyTorch's trace (${found.dir})`, () => {
  const py = parseTrace(readFileSync(pytorchTrace, 'utf8'), pytorchTrace);
  const model = loadModel(found.dir);
  const net = model.network as ResNetModel;
  const src = resolveImageSource(net, model.config, { data: 'fashion-mnist:sample', labels: undefined, distortion: undefined, seed: 0, limit: Math.min(LIMIT, py.numRows) }, model.dir);
  const n = src.count;
  const L = net.numStages;
  assert.is(py.numExits, L);
  const conf = new Float64Array(n * L);
  const pred = new Int32Array(n * L);
  for (let r = 0; r < n; r += 64) {
    const b = Math.min(64, n - r);
    net.forwardAll(src.batch(r, b)).forEach((lg, k) => writeExit(conf, pred, lg, k + 1, L, r));
  }
  const report: string[] = [];
  for (let k = 0; k < L; k++) {
    let ours = 0;
    let theirs = 0;
    let agree = 0;
    let maxConf = 0;
    for (let i = 0; i < n; i++) {
      assert.is(src.labels[i], py.label[i], `label of sample ${i}`);
      ours += pred[i * L + k] === src.labels[i] ? 1 : 0;
      theirs += py.pred[i * L + k] === py.label[i] ? 1 : 0;
      agree += pred[i * L + k] === py.pred[i * L + k] ? 1 : 0;
      maxConf = Math.max(maxConf, Math.abs(conf[i * L + k] - py.conf[i * L + k]));
    }
    const diff = (100 * Math.abs(ours - theirs)) / n;
    report.push(`exit ${k + 1}: ${((100 * ours) / n).toFixed(2)}% vs ${((100 * theirs) / n).toFixed(2)}%, argmax agreement ${agree}/${n}, max |conf diff| ${maxConf.toExponential(1)}`);
    assert.ok(diff <= 0.1, `exit ${k + 1}: accuracy differs by ${diff.toFixed(2)} points (> 0.1)`);
    assert.ok(maxConf <= 1e-4, `exit ${k + 1}: confidence differs by ${maxConf}`);
  }
  console.log(`  first ${n} shipped images, engine vs PyTorch:\n    ${report.join('\n    ')}`);
});

test.run();
