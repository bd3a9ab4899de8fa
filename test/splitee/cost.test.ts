// Costs and rewards pinned on hand-computed numbers, every branch of the reward.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activationBytes, costTableFromJSON, costTableToJSON, measuredCosts, paperCosts, roundCost } from '../../src/splitee/cost.js';
import { armReward, armSplits, offloads, rewardModel } from '../../src/splitee/reward.js';
import { ArgumentError } from '../../src/tensor/errors.js';
import type { NetworkProfile } from '../../src/layers/network.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('paper costs: lambda * i on the device, o per offload, final layer lambda * L', () => {
  const c = paperCosts({ numExits: 4, lambda: 0.1, offload: 0.5 });
  assert.equal([...c.device], [0, 0.1, 0.2, 0.30000000000000004, 0.4]);
  assert.equal([...c.offload], [0, 0.5, 0.5, 0.5, 0]);
  assert.is(c.cloudOnly, false);
  close(roundCost(c, 2, false), 0.2);
  close(roundCost(c, 2, true), 0.7);
  close(roundCost(c, 4, true), 0.4); // arm L never pays an offload
  const d = paperCosts({ numExits: 4, lambda: 0.1, offload: 0.5, cloudOnly: 0.8 });
  assert.is(d.cloudOnly, true);
  close(roundCost(d, 0, false), 0.8); // arm 0 always offloads
  assert.throws(() => paperCosts({ numExits: 0, lambda: 0.1, offload: 0.5 }), (e: unknown) => e instanceof ArgumentError && /numExits: got 0/.test((e as Error).message));
  assert.throws(() => paperCosts({ numExits: 2, lambda: -1, offload: 0.5 }), /invalid lambda: got -1/);
});

test('reward: every branch (alpha 0.8, lambda 0.1, o 0.5, mu 2, L = 3, cloud-only cost 0.6)', () => {
  const m = rewardModel(0.8, 2, paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, cloudOnly: 0.6 }));
  // exit on the device: C_1 = 0.9 >= 0.8 -> 0.9 - 2 * 0.1 = 0.7
  close(armReward(m, 1, 0.9, 0.99), 0.7);
  // offload: C_2 = 0.5 < 0.8 -> C_L - 2 * (0.2 + 0.5) = 0.99 - 1.4 = -0.41
  close(armReward(m, 2, 0.5, 0.99), -0.41);
  // exactly alpha exits
  close(armReward(m, 2, 0.8, 0.99), 0.8 - 0.4);
  // final layer on the device: C_L - 2 * 0.3, whatever C_L is (no offload from L)
  close(armReward(m, 3, 0.2, 0.2), 0.2 - 0.6);
  // cloud only: C_L - 2 * 0.6
  close(armReward(m, 0, NaN, 0.99), 0.99 - 1.2);
  assert.is(offloads(m, 2, 0.5), true);
  assert.is(offloads(m, 2, 0.8), false);
  assert.is(offloads(m, 3, 0.1), false);
  assert.is(offloads(m, 0, 1), true);
  assert.equal(armSplits(m.costs), [0, 1, 2, 3]);
  assert.throws(() => rewardModel(1.2, 1, m.costs), /invalid alpha: got 1.2/);
});

test('activation bytes: f32, f16 and int8 with per-channel parameters', () => {
  assert.is(activationBytes(1000, 'f32'), 4000);
  assert.is(activationBytes(1000, 'f16'), 2000);
  assert.is(activationBytes(1000, 'int8', 16), 1000 + 16 * 8);
  assert.is(activationBytes(1000, 'int8', 16, 5), 1000 + 80);
  assert.throws(() => activationBytes(1, 'f64' as 'f32'), /unknown encoding: got 'f64'/);
});

// A 3-stage toy network: stage FLOPs 2e6, 4e6, 6e6; exit heads 1e5 each; activations (elements)
// input 784, then 4096, 2048, 10; raw input 784 bytes.
const profile: NetworkProfile = { stageFlops: [2e6, 4e6, 6e6], exitFlops: [1e5, 1e5, 1e5], activationElements: [784, 4096, 2048, 10], rawInputBytes: 784 };

test('measured latency costs: FLOPs / device speed, bytes / bandwidth + latency', () => {
  // device 1 GFLOP/s = 1e6 FLOPs per ms; 8 Mbit/s = 1000 bytes per ms; latency 20 ms.
  const c = measuredCosts({ profile, encoding: 'f16', deviceGflops: 1, bandwidthMbps: 8, latencyMs: 20 });
  assert.is(c.unit, 'ms');
  assert.is(c.cloudOnly, true);
  close(c.device[1], 2.1); // (2e6 + 1e5) / 1e6
  close(c.device[2], 6.1);
  close(c.device[3], 12.1);
  close(c.offload[0], 784 / 1000 + 20);
  close(c.offload[1], (4096 * 2) / 1000 + 20);
  close(c.offload[2], (2048 * 2) / 1000 + 20);
  assert.is(c.offload[3], 0);
  const p = measuredCosts({ profile, encoding: 'int8', deviceGflops: 1, bandwidthMbps: 8, latencyMs: 0, exitHeads: 'path', activationChannels: [1, 16, 32, 10], cloudGflops: 10 });
  close(p.device[2], 6.2); // heads 1 and 2 on the path
  // int8: 2048 + 32 * 8 bytes; the cloud runs stage 3 and the final head: 6.1e6 / 1e7 ms
  close(p.offload[2], (2048 + 256) / 1000 + 0.61);
});

test('measured energy costs: mJ per FLOP and per byte', () => {
  const c = measuredCosts({ profile, encoding: 'f32', deviceGflops: 1, bandwidthMbps: 8, latencyMs: 20, energy: { mJPerFlop: 1e-6, mJPerByte: 1e-3 }, cloudOnly: false });
  assert.is(c.unit, 'mJ');
  assert.is(c.cloudOnly, false);
  close(c.device[1], 2.1);
  close(c.offload[1], 4096 * 4 * 1e-3);
  assert.is(c.offload[0], 0);
  assert.throws(() => measuredCosts({ profile: { ...profile, exitFlops: [1] }, encoding: 'f32', deviceGflops: 1, bandwidthMbps: 1, latencyMs: 0 }), /profile arrays disagree/);
});

test('cost tables round-trip through JSON and bad JSON is rejected', () => {
  const c = paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5, cloudOnly: 1 });
  const d = costTableFromJSON(JSON.parse(JSON.stringify(costTableToJSON(c))));
  assert.equal([...d.device], [...c.device]);
  assert.equal([...d.offload], [...c.offload]);
  assert.is(d.cloudOnly, true);
  assert.throws(() => costTableFromJSON({ ...costTableToJSON(c), device: [0, 1] }), /invalid cost table/);
});

test.run();
