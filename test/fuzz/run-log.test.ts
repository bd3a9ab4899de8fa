// Fuzz: the run log (parseRunLog: readRunLog without the file) and the policy state it carries
// (restorePolicy). Only named errors may escape; corpus/ replays inputs that once failed.
// restorePolicy belongs to the runner's hardening (issue 15): what still escapes it is listed, not fixed, here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paperCosts } from '../../src/splitee/cost.js';
import { createAnyPolicy, createPolicy, isStagePolicyName, restoreAnyPolicy, restorePolicy, POLICY_NAMES, type PolicyState, type SplitPolicy } from '../../src/splitee/policy.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { LocalCloud } from '../../src/splitee/transport.js';
import { SplitRunner } from '../../src/splitee/runner.js';
import { RunLogWriter, parseRunLog } from '../../src/node/run-log.js';
import { ToyNetwork, TOY_HASH, toySamples, type ToySample } from '../helpers/toy-network.js';
import { campaign, corpus, mutatedBytes, mutatedJson, onlyNamed } from './fuzz-kit.js';

const L = 3;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.2, cloudOnly: 0.5 });
const names = POLICY_NAMES.filter((n) => !isStagePolicyName(n)).map((n) => (n === 'fixed:K' ? 'fixed:2' : n));
const make = (n: string): SplitPolicy => createPolicy(n, { costs, alpha: 0.8, seed: 5, split: 2 });

async function logBytes(policyName: string, rounds: number): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'splitee-fuzz-log-'));
  try {
    const path = join(dir, 'run.jsonl');
    const p = make(policyName);
    const net = new ToyNetwork({ L });
    const w = RunLogWriter.create(path, { model: { id: 'toy', hash: TOY_HASH }, policy: { name: policyName, params: {} }, seed: 3, stream: { kind: 'toy' } }, p, { snapshotEvery: 2 });
    const runner = new SplitRunner<ToySample>({ network: net, modelHash: TOY_HASH, policy: p, costs, alpha: 0.8, prepare: (s) => net.input(s), cloud: new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }])) });
    await runner.runStream(toySamples(rounds, L, 5, 9), (r) => w.write(r, p));
    w.close(p);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const readLog = (b: Uint8Array) => onlyNamed(() => parseRunLog(b, 'fuzz.jsonl'));

test('corpus: every run log that once failed is a named error now', () => {
  const cases = corpus('run-log');
  assert.ok(cases.length > 0);
  for (const c of cases) readLog(c.bytes);
});

test('fuzz run log: 10,000 byte-mutated logs (torn tails, broken UTF-8, spliced lines)', async () => {
  const bases = [await logBytes('thompson-s', 3), await logBytes('splitee', 2)];
  campaign(mutatedBytes(bases, 4), readLog, 1901);
});

test('corpus: every policy state that once failed is a named error now', () => {
  const cases = corpus('policy');
  assert.ok(cases.length > 0);
  for (const c of cases) onlyNamed(() => restorePolicy(JSON.parse(new TextDecoder().decode(c.bytes)) as PolicyState));
});

// On main before issue 15's hardening this campaign found 5 kinds of escapes (TypeErrors of unchecked
// options, a RangeError from a deep state, unbounded messages); after the runner's hardening, one
// (costTableFromJSON's String() of a deep `kind`), fixed in cost.ts. Now strict like the others.
test('fuzz policy state: 10,000 mutated snapshots of every policy through restorePolicy', () => {
  const states = names.map((n) => {
    const p = make(n);
    p.choose(1);
    return JSON.parse(JSON.stringify(p.snapshot())) as PolicyState;
  });
  const arb = fc.constantFrom(...states).chain((s) => mutatedJson(s, 3));
  campaign(arb, (s) => onlyNamed(() => restorePolicy(s as PolicyState)), 1902);
});

test('fuzz stage policy state: 10,000 mutated layerwise snapshots through restoreAnyPolicy', () => {
  const p = createAnyPolicy('layerwise', { costs, alpha: 0.8, seed: 5 });
  if (p.execution !== 'stage') throw new Error('layerwise is a stage policy');
  p.update({ stop: 2, outcome: 'offload', confidences: [0.4, 0.6], finalConf: 0.9, cost: 0.4 });
  const state = JSON.parse(JSON.stringify(p.snapshot())) as unknown;
  campaign(mutatedJson(state, 3), (s) => onlyNamed(() => restoreAnyPolicy(s)), 1903);
});

test.run();
