/**
 * What the measured cost model needs from the model on this machine (`splitee run --cost measured`,
 * `splitee claims`): the engine's speed on full single-sample forward passes, and the channel count of
 * each split point's activation (per-channel int8 scales are sent with the activation).
 */
import type { MultiExitNetwork } from '../../layers/network.js';
import type { LoadedModel } from '../models/load.js';
import type { TraceSource } from './trace.js';

/** Times `passes` full forward passes (every stage and exit) of the source's first sample: GFLOP/s of this engine here. */
export function measureGflops(model: LoadedModel, src: TraceSource, passes = 5): number {
  const net = model.network;
  const L = net.numStages;
  const flops = net.profile.stageFlops.reduce((a, b) => a + b, 0) + net.profile.exitFlops.reduce((a, b) => a + b, 0);
  const once = (): void => {
    let x = src.batch(0, 1);
    for (let s = 1; s <= L; s++) {
      x = net.runStages(s - 1, s, x).clone();
      net.exitLogits(s, x);
    }
  };
  once();
  const t0 = performance.now();
  for (let i = 0; i < passes; i++) once();
  const ms = (performance.now() - t0) / passes;
  return flops / (ms * 1e6);
}

/** Channels of the activation at each split point 0..L (the leading axis of activationShape). */
export function activationChannels(net: MultiExitNetwork): number[] {
  return Array.from({ length: net.numStages + 1 }, (_, s) => net.activationShape(s)[0]);
}
