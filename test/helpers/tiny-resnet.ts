// A tiny multi-exit ResNet (config + random PyTorch-named tensors, fixed seed) and a float64 oracle
// of its forward pass written straight from tools/resnet/common.py (conv, then BN with the raw
// running statistics, no folding), for the layer tests.
import { Rng } from '../../src/splitee/rng.js';
import { conv64 } from './oracle.js';
import { randomArray } from './random.js';

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

/** 1x8x8 input, stem 1->4, blocks (4->4 s1), (4->8 s2, downsample), (8->8 s1); 3 exits; 3 classes. */
export function tinyConfig(): Record<string, unknown> {
  return {
    id: 'tiny-resnet',
    architecture: 'resnet-multi-exit',
    num_classes: 3,
    classes: ['a', 'b', 'c'],
    bn_eps: 1e-5,
    input: { shape: [1, 8, 8], dtype: 'uint8', scale: 1 / 255, normalize: { kind: 'per-image-standardize', eps: 1e-5 } },
    stem: { in: 1, out: 4, kernel: 3, stride: 1, padding: 1, relu: true },
    blocks: [
      { in: 4, out: 4, stride: 1, downsample: false },
      { in: 4, out: 8, stride: 2, downsample: true },
      { in: 8, out: 8, stride: 1, downsample: false },
    ],
    exits: [
      { after_block: 1, pool: 2, hidden: 6, classes: 3 },
      { after_block: 2, pool: 2, hidden: 0, classes: 3 },
      { after_block: 3, pool: 1, hidden: 5, classes: 3 },
    ],
  };
}

function bn(t: Map<string, RawTensor>, rng: Rng, name: string, c: number): void {
  t.set(`${name}.weight`, { shape: [c], data: randomArray(rng, c, 0.5, 1.5) });
  t.set(`${name}.bias`, { shape: [c], data: randomArray(rng, c, -0.3, 0.3) });
  t.set(`${name}.running_mean`, { shape: [c], data: randomArray(rng, c, -0.2, 0.2) });
  t.set(`${name}.running_var`, { shape: [c], data: randomArray(rng, c, 0.3, 2) });
}

function conv(t: Map<string, RawTensor>, rng: Rng, name: string, o: number, c: number, k: number): void {
  t.set(`${name}.weight`, { shape: [o, c, k, k], data: randomArray(rng, o * c * k * k, -0.5, 0.5) });
}

function linear(t: Map<string, RawTensor>, rng: Rng, name: string, o: number, i: number): void {
  t.set(`${name}.weight`, { shape: [o, i], data: randomArray(rng, o * i, -0.5, 0.5) });
  t.set(`${name}.bias`, { shape: [o], data: randomArray(rng, o, -0.1, 0.1) });
}

/** PyTorch state_dict names and shapes of tinyConfig(), random values from `seed`. */
export function tinyTensors(seed = 7): Map<string, RawTensor> {
  const rng = Rng.seeded(seed);
  const t = new Map<string, RawTensor>();
  conv(t, rng, 'stem.conv', 4, 1, 3);
  bn(t, rng, 'stem.bn', 4);
  const blocks: [number, number, boolean][] = [[4, 4, false], [4, 8, true], [8, 8, false]];
  blocks.forEach(([i, o, ds], b) => {
    conv(t, rng, `blocks.${b}.conv1`, o, i, 3);
    bn(t, rng, `blocks.${b}.bn1`, o);
    conv(t, rng, `blocks.${b}.conv2`, o, o, 3);
    bn(t, rng, `blocks.${b}.bn2`, o);
    if (ds) {
      conv(t, rng, `blocks.${b}.downsample.conv`, o, i, 1);
      bn(t, rng, `blocks.${b}.downsample.bn`, o);
    }
  });
  linear(t, rng, 'exits.0.fc1', 6, 4 * 4);
  linear(t, rng, 'exits.0.fc2', 3, 6);
  linear(t, rng, 'exits.1.fc', 3, 8 * 4);
  linear(t, rng, 'exits.2.fc1', 5, 8);
  linear(t, rng, 'exits.2.fc2', 3, 5);
  return t;
}

type Act = { data: Float64Array; shape: [number, number, number, number] };

/** act(bn(conv(x))) in float64 with the raw BN statistics (no folding). */
export function convBn64(t: Map<string, RawTensor>, x: Act, conv: string, bnName: string, stride: number, pad: number, relu: boolean, eps = 1e-5): Act {
  const w = t.get(`${conv}.weight`)!;
  const [O, C, k] = w.shape;
  const [N, , H, W] = x.shape;
  const r = conv64(x.data, w.data, null, { N, C, H, W, O, kH: k, kW: k, sH: stride, sW: stride, pH: pad, pW: pad, activation: 'none' });
  const g = t.get(`${bnName}.weight`)!.data;
  const b = t.get(`${bnName}.bias`)!.data;
  const m = t.get(`${bnName}.running_mean`)!.data;
  const v = t.get(`${bnName}.running_var`)!.data;
  const hw = r.Ho * r.Wo;
  const out = new Float64Array(r.value.length);
  for (let i = 0; i < out.length; i++) {
    const o = Math.floor(i / hw) % O;
    const y = ((r.value[i] - m[o]) / Math.sqrt(v[o] + eps)) * g[o] + b[o];
    out[i] = relu ? Math.max(0, y) : y;
  }
  return { data: out, shape: [N, O, r.Ho, r.Wo] };
}

function linear64(t: Map<string, RawTensor>, name: string, x: Float64Array, n: number, relu: boolean): Float64Array {
  const w = t.get(`${name}.weight`)!;
  const b = t.get(`${name}.bias`)!.data;
  const [O, I] = w.shape;
  const out = new Float64Array(n * O);
  for (let r = 0; r < n; r++)
    for (let o = 0; o < O; o++) {
      let s = b[o];
      for (let i = 0; i < I; i++) s += w.data[o * I + i] * x[r * I + i];
      out[r * O + o] = relu ? Math.max(0, s) : s;
    }
  return out;
}

/** adaptive_avg_pool2d(x, p) for p dividing H and W, flattened to [N, C*p*p]. */
function pool64(x: Act, p: number): Float64Array {
  const [N, C, H, W] = x.shape;
  const fh = H / p;
  const fw = W / p;
  const out = new Float64Array(N * C * p * p);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) {
          let s = 0;
          for (let y = i * fh; y < (i + 1) * fh; y++) for (let xx = j * fw; xx < (j + 1) * fw; xx++) s += x.data[((n * C + c) * H + y) * W + xx];
          out[((n * C + c) * p + i) * p + j] = s / (fh * fw);
        }
  return out;
}

/** The exit heads' logits [N,3] of the tiny network for a standardized input x0 [N,1,8,8]. */
export function tinyForward64(t: Map<string, RawTensor>, x0: Float32Array, n: number): { logits: Float64Array[]; acts: Act[] } {
  let x: Act = { data: Float64Array.from(x0), shape: [n, 1, 8, 8] };
  x = convBn64(t, x, 'stem.conv', 'stem.bn', 1, 1, true);
  const strides = [1, 2, 1];
  const pools = [2, 2, 1];
  const logits: Float64Array[] = [];
  const acts: Act[] = [];
  for (let b = 0; b < 3; b++) {
    const p = `blocks.${b}`;
    const y1 = convBn64(t, x, `${p}.conv1`, `${p}.bn1`, strides[b], 1, true);
    const y2 = convBn64(t, y1, `${p}.conv2`, `${p}.bn2`, 1, 1, false);
    const s = t.has(`${p}.downsample.conv.weight`) ? convBn64(t, x, `${p}.downsample.conv`, `${p}.downsample.bn`, strides[b], 0, false) : x;
    const out = new Float64Array(y2.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(0, y2.data[i] + s.data[i]);
    x = { data: out, shape: y2.shape };
    acts.push(x);
    const f = pool64(x, pools[b]);
    const e = `exits.${b}`;
    logits.push(t.has(`${e}.fc.weight`) ? linear64(t, `${e}.fc`, f, n, false) : linear64(t, `${e}.fc2`, linear64(t, `${e}.fc1`, f, n, true), n, false));
  }
  return { logits, acts };
}
