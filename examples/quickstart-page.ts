// Quickstart (page): the device side of a split network in a web page; the cloud finishes what it offloads.
// Bundle it (esbuild app.ts --bundle --format=esm); serve the page with the CSP
//   script-src 'self'; connect-src 'self' https://your-cloud.example
// Here the model and the stream come from the page's origin, laid out as `npx splitee demo` serves them.
import { buildModel, createPolicy, HttpCloud, paperCosts, parseIdx, SplitRunner } from 'splitee';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const config = JSON.parse(new TextDecoder().decode(await bytes('/model/config.json')));
const weights = await bytes('/model/model.safetensors');
const { network, family, hash: modelHash } = buildModel({ config, weights }); // from bytes; the cloud checks the sha256
const costs = paperCosts({ numExits: network.numStages, lambda: 0.1, offload: 0.5 });
const policy = createPolicy('splitee-s', { costs, alpha: 0.74 }); // SplitEE-S: UCB over the split layer
const cloud = new HttpCloud({ baseUrl: location.origin, fetch: (url, init) => fetch(url, init as RequestInit) });
const images = parseIdx(await bytes('/data/images.idx')).data; // u8 [N,28,28] (sent gzip-encoded)
const pixels = (i: number) => Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
const prepare = (i: number) => family.prepareInput(network, { kind: 'image', pixels: pixels(i) }).x;
const runner = new SplitRunner({ network, modelHash, policy, costs, alpha: 0.74, prepare, cloud });
for (let i = 0; i < 20; i++) {
  const r = await runner.step(i); // split chosen, ran on the device, exited or offloaded
  console.log(`sample ${i}: split ${r.split} ${r.outcome} -> class ${r.prediction} (cost ${r.cost.toFixed(2)}, ${r.bytesSent} bytes sent)`);
}
