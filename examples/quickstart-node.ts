// Quickstart (Node): the device side of a split network in your program; a cloud finishes what it offloads.
// Start a cloud first:  npx splitee serve --model node_modules/splitee/weights/fmnist-resnet --port 8080
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { buildModel, createPolicy, HttpCloud, paperCosts, parseIdx, SplitRunner } from 'splitee';
import { nodeFetch } from 'splitee/node';

const dir = process.env.MODEL_DIR ?? 'node_modules/splitee/weights/fmnist-resnet';
const config = JSON.parse(await readFile(`${dir}/config.json`, 'utf8'));
const weights = new Uint8Array(await readFile(`${dir}/model.safetensors`));
const { network, family, hash: modelHash } = buildModel({ config, weights }); // from bytes; the cloud checks the sha256
const costs = paperCosts({ numExits: network.numStages, lambda: 0.1, offload: 0.5 });
const policy = createPolicy('splitee-s', { costs, alpha: 0.74 }); // SplitEE-S: UCB over the split layer
const cloud = new HttpCloud({ baseUrl: process.env.CLOUD_URL ?? 'http://127.0.0.1:8080', fetch: nodeFetch });
const images = parseIdx(gunzipSync(await readFile(`${dir}/stream/t2k-images-idx3-ubyte.gz`))).data; // u8 [N,28,28]
const pixels = (i: number) => Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
const prepare = (i: number) => family.prepareInput(network, { kind: 'image', pixels: pixels(i) }).x;
const runner = new SplitRunner({ network, modelHash, policy, costs, alpha: 0.74, prepare, cloud });
for (let i = 0; i < 20; i++) {
  const r = await runner.step(i); // split chosen, ran on the device, exited or offloaded
  console.log(`sample ${i}: split ${r.split} ${r.outcome} -> class ${r.prediction} (cost ${r.cost.toFixed(2)}, ${r.bytesSent} bytes sent)`);
}
