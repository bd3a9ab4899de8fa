import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, StateError } from '../../src/tensor/errors.js';
import { paperCosts, type CostTable } from '../../src/splitee/cost.js';
import { createAnyPolicy, createPolicy, restoreAnyPolicy, type AnyPolicy, type Observation, type SplitPolicy } from '../../src/splitee/policy.js';
import type { StageAction, StageObservation, StagePolicy, StagePolicyState } from '../../src/splitee/stage.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { LocalCloud, HttpCloud, CloudError, type CloudTransport, type FetchLike } from '../../src/splitee/transport.js';
import { SplitRunner, copyRecord, observationOf, type RoundRecord, type RunnerOptions } from '../../src/splitee/runner.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { encodeResumeResponse } from '../../src/splitee/wire.js';
import { ToyNetwork, TOY_HASH, toySamples, type ToySample } from '../helpers/toy-network.js';

const L = 4;
const ALPHA = 0.8;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5 });

function setup(policyName: string, o: Partial<RunnerOptions<ToySample>> & { table?: CostTable; width?: number } = {}) {
  const net = new ToyNetwork({ L, width: o.width });
  const table = o.table ?? costs;
  const policy = o.policy ?? createPolicy(policyName, { costs: table, alpha: ALPHA });
  const cloud = o.cloud ?? new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }]));
  const runner = new SplitRunner<ToySample>({ network: net, modelHash: TOY_HASH, policy, costs: table, alpha: ALPHA, prepare: (s) => net.input(s), cloud, ...o });
  return { net, runner, policy };
}

const s = (conf: number[], cls = 2, label = cls, index = 7): ToySample => ({ index, conf, cls, label });
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** A transport that fails the way it is told and counts calls. */
class FakeCloud implements CloudTransport {
  readonly name = 'fake';
  calls = 0;
  constructor(private readonly behave: (call: number) => 'ok' | 'fail', private readonly inner?: CloudTransport) {}
  async resume(id: string, body: Uint8Array) {
    this.calls++;
    if (this.behave(this.calls) === 'fail' || !this.inner) throw new CloudError('network', 'fake: connection refused', 1);
    return this.inner.resume(id, body);
  }
}

test('exit: C_i >= alpha predicts on the device, no bytes sent', async () => {
  const { runner } = setup('fixed:2');
  const r = await runner.step(s([0.5, 0.9, 0.3, 0.95], 4));
  assert.equal([r.t, r.index, r.chosen, r.split, r.outcome, r.fallback, r.offloaded, r.prediction, r.bytesSent, r.attempts], [1, 7, 2, 2, 'exit', false, false, 4, 0, 0]);
  assert.is(r.confidences.length, 2);
  close(r.confidences[0], 0.5);
  close(r.confidences[1], 0.9);
  assert.ok(Number.isNaN(r.finalConf), 'C_L not observed on an exit');
  close(r.cost, 0.2);
  close(r.reward, 0.9 - 0.2);
  assert.is(r.label, 4);
  assert.is(r.deviceFlops, 2 * 5 * 3 + 10 + 2 * 5 * 4 + 10);
  assert.ok(r.latencyMs >= r.deviceMs && r.deviceMs >= 0);
  assert.is(runner.t, 2);
});

test('offload: C_i < alpha sends the activation; the cloud answers C_L; bytes counted', async () => {
  const { runner } = setup('fixed:2');
  const r = await runner.step(s([0.5, 0.6, 0.3, 0.93], 1));
  assert.equal([r.outcome, r.offloaded, r.prediction, r.attempts], ['offload', true, 1, 1]);
  close(r.finalConf!, 0.93);
  assert.ok(r.bytesSent > 4 * 4 * 5, String(r.bytesSent)); // [1,4,5] f32 plus header
  close(r.cost, 0.2 + 0.5);
  close(r.reward, 0.93 - 0.7);
  assert.ok(r.cloudMs >= 0);
});

test('final: split L predicts with exit L on the device; cloud only: split 0 sends the input', async () => {
  let r = await setup('final').runner.step(s([0.1, 0.2, 0.3, 0.7], 3));
  assert.equal([r.split, r.outcome, r.prediction, r.bytesSent], [4, 'final', 3, 0]);
  close(r.finalConf!, 0.7);
  close(r.cost, 0.4);
  const table = paperCosts({ numExits: L, lambda: 0.1, offload: 0.5, cloudOnly: 0.3 });
  r = await setup('cloud', { table }).runner.step(s([0.1, 0.2, 0.3, 0.7], 3));
  assert.equal([r.split, r.outcome, r.confidences, r.deviceFlops], [0, 'offload', [], 0]);
  close(r.cost, 0.3);
  close(r.finalConf!, 0.7);
});

test('device cascade (threshold): stops at the first confident exit, never offloads', async () => {
  const { runner } = setup('threshold');
  let r = await runner.step(s([0.5, 0.85, 0.9, 0.95]));
  assert.equal([r.chosen, r.split, r.outcome, r.confidences.length], [4, 2, 'exit', 2]);
  r = await runner.step(s([0.5, 0.5, 0.5, 0.6]));
  assert.equal([r.split, r.outcome, r.bytesSent], [4, 'final', 0]);
});

test('fallback on a cloud error: finished on the device, cost and C_L counted, error recorded', async () => {
  const cloud = new FakeCloud(() => 'fail');
  const { runner } = setup('fixed:1', { cloud });
  const r = await runner.step(s([0.4, 0.5, 0.6, 0.91], 0));
  assert.equal([r.outcome, r.fallback, r.offloaded, r.prediction, r.attempts], ['fallback', true, true, 0, 1]);
  close(r.finalConf!, 0.91);
  close(r.cost, 0.4 + 0.5);
  assert.match(r.error!, /connection refused/);
  assert.is(r.deviceFlops, [3, 4, 5, 6].reduce((a, k) => a + 2 * 5 * k, 0) + 10 + 10);
  assert.is(cloud.calls, 1);
});

test('fallback on timeout through HttpCloud: retries bounded (calls counted), every sample recorded', async () => {
  let calls = 0;
  const hang: FetchLike = (_url, init) => {
    calls++;
    return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  const cloud = new HttpCloud({ baseUrl: 'http://127.0.0.1:9', fetch: hang, timeoutMs: 10, retries: 2, backoffMs: 1 });
  const { runner } = setup('fixed:3', { cloud });
  const records: RoundRecord[] = [];
  await runner.runStream(toySamples(4, L).map((x) => ({ ...x, conf: [0.3, 0.3, 0.3, 0.9] })), (r) => void records.push(copyRecord(r)));
  assert.is(records.length, 4);
  assert.is(calls, 4 * 3);
  for (const r of records) {
    assert.equal([r.outcome, r.attempts], ['fallback', 3]);
    assert.match(r.error!, /no answer within 10 ms/);
    assert.ok(r.bytesSent > 0 && r.bytesSent % 3 === 0);
  }
});

test('HttpCloud success after a retry: bytes of both attempts counted', async () => {
  let calls = 0;
  const flaky: FetchLike = async () => {
    calls++;
    return calls === 1 ? { ok: false, status: 503, text: async () => 'busy' } : { ok: true, status: 200, text: async () => encodeResumeResponse({ prediction: 2, confidence: 0.5, probs: [0.1, 0.1, 0.5, 0.2, 0.1] }) };
  };
  const { runner } = setup('fixed:1', { cloud: new HttpCloud({ baseUrl: 'http://x:1', fetch: flaky, sleep: async () => {} }) });
  const r = await runner.step(s([0.4, 0.5, 0.6, 0.91], 0));
  assert.equal([r.outcome, r.attempts, r.prediction, r.finalConf], ['offload', 2, 2, 0.5]);
  const single = (await setup('fixed:1').runner.step(s([0.4, 0.5, 0.6, 0.91], 0))).bytesSent;
  assert.is(r.bytesSent, 2 * single);
});

test('offloads at one split reuse one request body, written afresh each round; one that a transport detaches is laid out again', async () => {
  for (const detach of [false, true]) {
    const seen: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    const net = new ToyNetwork({ L });
    const local = new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }]));
    const spy: CloudTransport = {
      name: 'spy',
      async resume(id, body) {
        seen.push(body);
        copies.push(body.slice());
        const reply = await local.resume(id, body);
        if (!detach) return reply;
        structuredClone(body.buffer as ArrayBuffer, { transfer: [body.buffer as ArrayBuffer] }); // a fetch that takes the body's buffer
        return { response: reply.response, attempts: 1 }; // no bytesSent: the runner counts the body it sent
      },
    };
    const { runner } = setup('fixed:2', { cloud: spy });
    const out: RoundRecord[] = [];
    await runner.runStream([s([0.3, 0.4, 0.5, 0.9], 1), s([0.2, 0.5, 0.6, 0.95], 3), s([0.1, 0.6, 0.7, 0.85], 0)], (r) => void out.push(copyRecord(r)));
    assert.equal(out.map((r) => [r.outcome, r.prediction]), [['offload', 1], ['offload', 3], ['offload', 0]]);
    assert.equal(out.map((r) => r.bytesSent), copies.map((c) => c.length), 'bytes counted as sent, even from a detached body');
    assert.ok(!copies[0].every((b, i) => b === copies[1][i]), 'each round writes its own activation');
    if (detach) assert.ok(seen[1] !== seen[0] && seen[2] !== seen[1], 'a detached body is replaced');
    else assert.ok(seen[1] === seen[0] && seen[2] === seen[0], 'one body for split 2');
  }
});

test('offloads of activations whose sequence length varies (text) each get a body of their shape, none falls back', async () => {
  const net = new ToyNetwork({ L, sequence: true });
  const cloud = new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }]));
  const widths = [L + 1, L + 3, L + 2, L + 3, L + 1];
  const samples = widths.map((w, i) => ({ sample: s([0.3, 0.4, 0.5, 0.9], i % 5), w }));
  const { runner } = setup('fixed:2', { network: net, cloud, prepare: (x: ToySample) => net.input(x, samples.find((y) => y.sample === x)!.w) });
  const out: RoundRecord[] = [];
  await runner.runStream(samples.map((y) => y.sample), (r) => void out.push(copyRecord(r)));
  assert.equal(out.map((r) => [r.outcome, r.prediction, r.error]), widths.map((_, i) => ['offload', i % 5, null]));
});

test('measured link: the offload cost follows the bytes really sent', async () => {
  const link = { bandwidthMbps: 8, latencyMs: 20 }; // 1000 bytes per ms
  const { runner } = setup('fixed:2', { link, encoding: 'int8' });
  const r = await runner.step(s([0.5, 0.6, 0.3, 0.93], 1));
  close(r.cost, 0.2 + r.bytesSent / 1000 + 20, 1e-9);
  close(r.finalConf!, 0.93, 0.01); // int8 on the payload row moves C_L a little
  assert.is(r.prediction, 1);
});

test('encodings: f16 and int8 bodies are smaller than f32; predictions agree', async () => {
  const sizes: Record<string, number> = {};
  for (const encoding of ['f32', 'f16', 'int8'] as const) {
    const r = await setup('fixed:3', { encoding, width: 200 }).runner.step(s([0.5, 0.5, 0.5, 0.8], 2));
    assert.is(r.prediction, 2);
    sizes[encoding] = r.bytesSent;
  }
  assert.ok(sizes.int8 < sizes.f32 && sizes.f16 < sizes.f32, JSON.stringify(sizes));
});

test('an unencodable activation falls back without a call', async () => {
  const net = new ToyNetwork({ L });
  const cloud = new FakeCloud(() => 'ok');
  const { runner } = setup('fixed:1', { cloud, encoding: 'f16', prepare: (x) => { const t = net.input(x); t.data[6] = 1e6; return t; } });
  const r = await runner.step(s([0.4, 0.5, 0.6, 0.91], 0));
  assert.equal([r.outcome, r.attempts, r.bytesSent, cloud.calls], ['fallback', 0, 0, 0]);
  assert.match(r.error!, /f16 range/);
});

/** Wraps a policy and keeps every argument it is given. */
class SpyPolicy implements SplitPolicy {
  seen: Observation[] = [];
  constructor(private readonly p: SplitPolicy) {}
  get name() { return this.p.name; }
  get numArms() { return this.p.numArms; }
  get numExits() { return this.p.numExits; }
  get execution() { return this.p.execution; }
  choose(t: number) { return this.p.choose(t); }
  update(obs: Observation) { this.seen.push(JSON.parse(JSON.stringify(obs))); this.p.update(obs); }
  playCounts() { return this.p.playCounts(); }
  snapshot() { return this.p.snapshot(); }
}

test('the policy sees only observations (never labels): same splits whatever the labels', async () => {
  const samples = toySamples(60, L);
  for (const name of ['splitee-s', 'random']) {
    const runWith = async (label: (x: ToySample) => number) => {
      const spy = new SpyPolicy(createPolicy(name, { costs, alpha: ALPHA }));
      const cloud = new FakeCloud((k) => (k % 5 === 0 ? 'fail' : 'ok'), new LocalCloud(new CloudService([{ network: new ToyNetwork({ L }), hash: TOY_HASH }])));
      const { runner } = setup('', { policy: spy, cloud });
      const records: RoundRecord[] = [];
      await runner.runStream(samples.map((x) => ({ ...x, label: label(x) })), (r) => void records.push(copyRecord(r)));
      return { spy, records };
    };
    const a = await runWith((x) => x.label);
    const b = await runWith((x) => (x.label + 3) % 5);
    assert.equal(a.records.map((r) => r.split), b.records.map((r) => r.split));
    assert.is(a.spy.seen.length, 60);
    for (let i = 0; i < 60; i++) {
      assert.equal(Object.keys(a.spy.seen[i]).sort(), ['confidences', 'cost', 'finalConf', 'offloaded', 'split']);
      assert.equal(a.spy.seen[i], JSON.parse(JSON.stringify(observationOf(a.records[i]))));
      if (a.records[i].outcome === 'exit') assert.is(a.spy.seen[i].finalConf, null); // NaN, through JSON
      else assert.type(a.spy.seen[i].finalConf, 'number');
    }
    if (name === 'random') assert.ok(['fallback', 'offload', 'exit', 'final'].every((o) => a.records.some((r) => r.outcome === o)));
  }
});

test('runStream: exactly one record per sample, t consecutive, totals add up; limit and stop', async () => {
  const cloud = new FakeCloud((k) => (k % 3 === 0 ? 'fail' : 'ok'), new LocalCloud(new CloudService([{ network: new ToyNetwork({ L }), hash: TOY_HASH }])));
  const { runner } = setup('random', { cloud });
  const records: RoundRecord[] = [];
  const samples = toySamples(100, L);
  const totals = await runner.runStream(samples, async (r) => void records.push(copyRecord(r)));
  assert.equal(records.map((r) => r.t), samples.map((_, i) => i + 1));
  assert.equal(records.map((r) => r.index), samples.map((x) => x.index));
  assert.is(totals.rounds, 100);
  assert.is(totals.fallbacks, records.filter((r) => r.fallback).length);
  assert.ok(totals.fallbacks > 0);
  assert.is(totals.splitCounts.reduce((x, y) => x + y, 0), 100);
  close(totals.cost, records.reduce((x, r) => x + r.cost, 0), 1e-9);
  assert.is(totals.correct, records.filter((r) => r.prediction === r.label).length);
  assert.is((await runner.runStream(samples, undefined, { limit: 5 })).rounds, 5);
  assert.is(runner.t, 106);
  let n = 0;
  assert.is((await runner.runStream(samples, () => void n++, { shouldStop: () => n >= 3 })).rounds, 3);
});

test('startT continues a run; steps are sequential; options checked', async () => {
  const { runner } = setup('fixed:2', { startT: 41 });
  const first = runner.step(s([0.5, 0.9, 0.3, 0.95]));
  const concurrent = runner.step(s([0.5, 0.9, 0.3, 0.95])); // while the first is in flight
  assert.is((await first).t, 41); // read before the next step: the record is the runner's, refilled every round
  try {
    await concurrent;
    assert.unreachable('a concurrent step was accepted');
  } catch (e) {
    assert.instance(e, StateError);
  }
  assert.throws(() => setup('fixed:2', { alpha: 0.5 }), (e: unknown) => e instanceof ArgumentError && /alpha/.test((e as Error).message));
  assert.throws(() => setup('fixed:2', { table: paperCosts({ numExits: 3, lambda: 0.1, offload: 0.5 }) }), (e: unknown) => e instanceof ArgumentError);
  assert.throws(() => setup('fixed:2', { startT: 0 }), (e: unknown) => e instanceof ArgumentError);
});

test('a wrong input shape from prepare rejects the step and consumes no round', async () => {
  const net = new ToyNetwork({ L });
  const { runner } = setup('fixed:2', { prepare: (x) => net.input(x, 3) });
  try {
    await runner.step(s([0.5, 0.9, 0.3, 0.95]));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /shape/);
  }
  assert.is(runner.t, 1);
});


test('exit at C_i exactly alpha (0.75, exact in float32): C_i >= alpha exits, it is not C_i > alpha', async () => {
  const { runner } = setup('fixed:2', { alpha: 0.75, policy: createPolicy('fixed:2', { costs, alpha: 0.75 }) });
  const r = await runner.step(s([0.5, 0.75, 0.3, 0.95], 4));
  assert.is(r.confidences[1], 0.75); // the toy's softmax gives exactly 0.75 (12 / 16)
  assert.equal([r.outcome, r.offloaded, r.prediction, r.bytesSent], ['exit', false, 4, 0]);
});

/** The toy, except that a wanted confidence above 0.99999 gives a logit gap of 30: float32 softmax is exactly 1. */
class SaturatingToy extends ToyNetwork {
  override exitLogits(k: number, x: Tensor): Tensor {
    const out = super.exitLogits(k, x);
    const row = x.contiguous().flat();
    if (row[k - 1] > 0.99999) {
      const v = out.contiguous().flat();
      for (let j = 0; j < v.length; j++) v[j] = v[j] > 0 ? 30 : 0;
    }
    return out;
  }
}

test('alpha = 1 means no early exit, even when float32 softmax saturates to exactly 1', async () => {
  const { runner } = setup('fixed:2', { alpha: 1, policy: createPolicy('fixed:2', { costs, alpha: 1 }), network: new SaturatingToy({ L }) });
  const r = await runner.step(s([0.5, 0.9999999, 0.3, 0.95], 4));
  assert.is(r.confidences[1], 1); // saturated
  assert.equal([r.outcome, r.offloaded], ['offload', true]);
  const cascade = setup('threshold', { alpha: 1, policy: createPolicy('threshold', { costs, alpha: 1 }), network: new SaturatingToy({ L }) }).runner;
  const c = await cascade.step(s([0.9999999, 0.9999999, 0.9999999, 0.95], 4));
  assert.equal([c.split, c.outcome], [L, 'final']);
});


// ---- stage policies (stage.ts): asked after every stage

/** A scripted stage policy: answers from `script`, records what it was asked and what it learned. */
class ScriptedStage implements StagePolicy {
  readonly name = 'scripted';
  readonly numExits = L;
  readonly execution = 'stage' as const;
  asked: [number, number, number][] = [];
  seen: StageObservation[] = [];
  constructor(private readonly script: (stage: number, c: number) => StageAction) {}
  decide(t: number, stage: number, c: ArrayLike<number>): StageAction {
    this.asked.push([t, stage, c.length]);
    return this.script(stage, c[stage - 1]);
  }
  update(o: StageObservation): void {
    this.seen.push({ ...o, confidences: Array.from(o.confidences) });
  }
  decisionCounts() { return { exits: [], offloads: [], finals: 0 }; }
  snapshot(): StagePolicyState { return { format: 'splitee-stage-policy', version: 1, name: this.name, options: {}, state: {} }; }
}

test('stage policy: exit at the stage it chooses; asked once per stage it ran, with C_1..C_s only', async () => {
  const policy = new ScriptedStage((stage, c) => (stage === 2 && c >= ALPHA ? 'exit' : 'continue'));
  const { runner } = setup('', { policy });
  const r = await runner.step(s([0.95, 0.9, 0.3, 0.95], 4));
  assert.equal([r.chosen, r.split, r.outcome, r.prediction, r.bytesSent, r.confidences.length], [2, 2, 'exit', 4, 0, 2]);
  close(r.cost, 0.2);
  close(r.reward, 0.9 - 0.2);
  assert.equal(policy.asked, [[1, 1, 1], [1, 2, 2]]);
  assert.equal(policy.seen.map((o) => [o.stop, o.outcome, o.finalConf, o.confidences.length]), [[2, 'exit', NaN, 2]]);
});

test('stage policy: offload at stage s sends x_s on the wire of a split at s, even where C_s >= alpha', async () => {
  const policy = new ScriptedStage((stage) => (stage === 2 ? 'offload' : 'continue'));
  const { runner } = setup('', { policy });
  const r = await runner.step(s([0.5, 0.9, 0.3, 0.93], 1));
  const byFixed = await setup('fixed:2').runner.step(s([0.5, 0.6, 0.3, 0.93], 1));
  assert.equal([r.split, r.outcome, r.offloaded, r.prediction, r.attempts, r.bytesSent], [2, 'offload', true, 1, 1, byFixed.bytesSent]);
  close(r.finalConf!, 0.93);
  close(r.cost, 0.2 + 0.5);
  close(r.reward, 0.93 - 0.7);
  assert.equal(policy.seen.map((o) => [o.stop, o.outcome, o.confidences.length]), [[2, 'offload', 2]]);
  close(policy.seen[0].finalConf!, 0.93);
});

test('stage policy: continue to L is final; a dead cloud is an offload at its real cost (fallback)', async () => {
  let policy = new ScriptedStage(() => 'continue');
  let r = await setup('', { policy }).runner.step(s([0.1, 0.2, 0.3, 0.7], 3));
  assert.equal([r.split, r.outcome, r.bytesSent], [4, 'final', 0]);
  assert.equal(policy.asked.map((a) => a[1]), [1, 2, 3, 4]);
  close(r.cost, 0.4);
  policy = new ScriptedStage(() => 'offload');
  r = await setup('', { policy, cloud: new FakeCloud(() => 'fail') }).runner.step(s([0.4, 0.5, 0.6, 0.91], 0));
  assert.equal([r.split, r.outcome, r.fallback, r.prediction], [1, 'fallback', true, 0]);
  close(r.cost, 0.4 + 0.5);
  assert.equal(policy.seen.map((o) => [o.stop, o.outcome]), [[1, 'offload']]);
  close(policy.seen[0].cost, 0.9);
  close(policy.seen[0].finalConf!, 0.91);
});

test('stage policy: exit below alpha is refused and consumes no round; a stage policy needs alpha and costs', async () => {
  const { runner } = setup('', { policy: new ScriptedStage(() => 'exit') });
  const err = await runner.step(s([0.5, 0.9, 0.3, 0.95])).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof ArgumentError && /exit below alpha at stage 1/.test(err.message), String(err));
  assert.is(runner.t, 1);
  const net = new ToyNetwork({ L });
  assert.throws(() => new SplitRunner<ToySample>({ network: net, modelHash: TOY_HASH, policy: new ScriptedStage(() => 'continue'), prepare: (x) => net.input(x), cloud: new FakeCloud(() => 'fail') }), /no reward model/);
});

test('layerwise in the runner: deterministic given its seed, and a snapshot mid-stream continues exactly', async () => {
  const samples = toySamples(80, L);
  const mk = () => createAnyPolicy('layerwise', { costs, alpha: ALPHA, seed: 3 });
  const go = async (policy: AnyPolicy, from: number, to: number) => {
    const { runner } = setup('', { policy, startT: from + 1 });
    const out: RoundRecord[] = [];
    await runner.runStream(samples.slice(from, to), (r) => void out.push(copyRecord(r)));
    return out.map((r) => `${r.t}:${r.split}:${r.outcome}`);
  };
  const a = await go(mk(), 0, 80);
  assert.equal(await go(mk(), 0, 80), a);
  assert.ok(new Set(a.map((x) => x.split(':')[2])).size >= 2, a.join(' '));
  const p = mk();
  const head = await go(p, 0, 30);
  const q = restoreAnyPolicy(JSON.parse(JSON.stringify(p.snapshot())));
  assert.equal([...head, ...(await go(q, 30, 80))], a);
});

// Issue 11 item 5: a round that stays on the device needs no Promise, and the record is the runner's own.
test('stepEager: a device round returns its record, an offloaded one a Promise; the same rounds as step()', async () => {
  const samples = toySamples(40, L, 5, 3);
  const a = setup('splitee-s', { clock: () => 0 }).runner;
  const b = setup('splitee-s', { clock: () => 0 }).runner;
  let eager = 0;
  let promised = 0;
  for (const x of samples) {
    const ra = copyRecord(await a.step(x));
    const p = b.stepEager(x);
    if (p instanceof Promise) promised++;
    else eager++;
    const rb = p instanceof Promise ? await p : p;
    assert.equal(rb, ra);
    assert.is(p instanceof Promise, rb.offloaded);
  }
  assert.ok(eager > 0 && promised > 0, `${eager} device rounds, ${promised} offloaded`);
});

test('stepEager: a step while an offload is in flight throws a StateError; the round then completes', async () => {
  const { runner } = setup('fixed:2');
  const p = runner.stepEager(s([0.5, 0.6, 0.3, 0.93], 1)); // C_2 = 0.6 < alpha: offload
  assert.ok(p instanceof Promise);
  assert.throws(() => runner.stepEager(s([0.5, 0.9, 0.3, 0.95])), (e: unknown) => e instanceof StateError);
  assert.is((await p).outcome, 'offload');
  const r = runner.stepEager(s([0.5, 0.9, 0.3, 0.95])); // C_2 = 0.9: exit, synchronously
  assert.ok(!(r instanceof Promise) && r.outcome === 'exit' && r.t === 2);
});

test('a failure anywhere in the cloud part rejects that step and releases the runner for the next', async () => {
  let calls = 0;
  const clock = () => {
    if (++calls === 3) throw new Error('clock broke'); // the 3rd reading: the cloud part's start
    return calls;
  };
  const { runner } = setup('fixed:2', { clock });
  await runner.step(s([0.5, 0.6, 0.3, 0.93], 1)).then(
    () => assert.unreachable('the step resolved'),
    (e: unknown) => assert.match((e as Error).message, /clock broke/),
  );
  const r = runner.stepEager(s([0.5, 0.9, 0.3, 0.95])); // C_2 = 0.9: exit
  assert.ok(!(r instanceof Promise) && r.outcome === 'exit');
});

test('the record is the runner\'s, refilled every round: copyRecord keeps one (confidences included)', async () => {
  const { runner } = setup('fixed:2');
  const r1 = await runner.step(s([0.5, 0.9, 0.3, 0.95]));
  const kept = copyRecord(r1);
  const r2 = await runner.step(s([0.4, 0.85, 0.3, 0.95]));
  assert.ok(r1 === r2);
  assert.is(kept.t, 1);
  close(kept.confidences[1], 0.9);
  close(r2.confidences[1], 0.85);
  assert.is(r2.t, 2);
  assert.ok(kept.confidences !== r2.confidences && kept.confidences[1] !== r2.confidences[1]);
});

test.run();
