// Portable half of bench/runtimes/detach.ts: in one fresh process (or page) of a runtime, the ResNet
// forward over 8 golden inputs, before and after one event that detaches an ArrayBuffer
// (transfer: structuredClone with a transfer list; none: nothing), as bench/models/detach-trap.ts does
// in Node, but the minimum of 15 timed passes (not the median of 10): on a shared machine the minimum is
// the estimator load disturbs least. The model is built from bytes fetched from a demo server.
import { Tensor } from '../../src/tensor/tensor.js';
import { parseSafetensors, tensorAsFloat32 } from '../../src/tensor/io/safetensors.js';
import { fetchGolden, loadDemo } from '../../src/demo/device.js';

export interface DetachResult {
  event: string;
  beforeMs: number;
  afterMs: number;
}


export async function detachProbe(base: string, event: 'none' | 'transfer'): Promise<DetachResult> {
  const device = await loadDemo(base);
  const gold = parseSafetensors(await fetchGolden(base)).tensors.get('input');
  if (gold === undefined) throw new Error('detach probe: golden.safetensors has no input');
  const n = 8;
  const x = new Tensor(tensorAsFloat32(gold).slice(0, n * 784), [n, 1, 28, 28]);
  const time = (): number => {
    const t: number[] = [];
    for (let r = 0; r < 15; r++) {
      const t0 = performance.now();
      device.network.forwardAll(x);
      t.push((performance.now() - t0) / n);
    }
    return Math.min(...t);
  };
  time(); // warm-up
  const beforeMs = time();
  if (event === 'transfer') {
    const b = new ArrayBuffer(8);
    (globalThis as unknown as { structuredClone(v: unknown, o: { transfer: unknown[] }): unknown }).structuredClone(b, { transfer: [b] });
  }
  const afterMs = time();
  return { event, beforeMs, afterMs };
}
