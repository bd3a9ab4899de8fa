import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, closeSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError, StateError } from '../../src/tensor/errors.js';
import { IoError } from '../../src/node/datasets/idx-file.js';
import { paperCosts } from '../../src/splitee/cost.js';
import { createAnyPolicy, type AnyPolicy } from '../../src/splitee/policy.js';
import { CloudService } from '../../src/splitee/cloud.js';
import { LocalCloud } from '../../src/splitee/transport.js';
import { SplitRunner, copyRecord, type RoundRecord } from '../../src/splitee/runner.js';
import { RunLogWriter, readRunLog, resumeRunLog, type RunLogHeaderInput } from '../../src/node/run-log.js';
import { ToyNetwork, TOY_HASH, toySamples, type ToySample } from '../helpers/toy-network.js';

const dir = mkdtempSync(join(tmpdir(), 'splitee-runlog-'));
let fileNo = 0;
const fresh = () => join(dir, `run-${++fileNo}.jsonl`);
const L = 4;
const costs = paperCosts({ numExits: L, lambda: 0.1, offload: 0.2 });
const header: RunLogHeaderInput = { model: { id: 'toy', hash: TOY_HASH }, policy: { name: 'thompson-s', params: { alpha: 0.8 } }, seed: 3, stream: { kind: 'toy', n: 40 }, extra: { encoding: 'f32' } };
const samples = toySamples(40, L, 5, 9);

function runner(policy: AnyPolicy, startT = 1, alpha = 0.8) {
  const net = new ToyNetwork({ L });
  return new SplitRunner<ToySample>({
    network: net, modelHash: TOY_HASH, policy, costs, alpha, prepare: (s) => net.input(s),
    cloud: new LocalCloud(new CloudService([{ network: net, hash: TOY_HASH }])), startT,
  });
}
const newPolicy = (name = 'thompson-s') => createAnyPolicy(name, { costs, alpha: 0.8, seed: 5 }); // random: resume must also restore its stream

/** The records of an uninterrupted run over `samples`, and the final policy state. */
async function reference(name = 'thompson-s') {
  const p = newPolicy(name);
  const out: RoundRecord[] = [];
  await runner(p).runStream(samples, (r) => void out.push(copyRecord(r)));
  return { splits: out.map((r) => r.split), outcomes: out.map((r) => r.outcome), state: JSON.stringify(p.snapshot()) };
}

test('writes a header, one line per round and snapshots; reads them back', async () => {
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 10, fsyncEvery: 7 });
  const written: RoundRecord[] = [];
  await runner(p).runStream(samples.slice(0, 25), (r) => {
    written.push(copyRecord(r));
    w.write(r, p);
  });
  w.close(p);
  const log = readRunLog(path);
  assert.equal(log.rounds.map(({ kind: _, ...r }) => r), written); // every field reads back as written
  assert.is(log.header.kind, 'header');
  assert.equal(log.header.model, header.model);
  assert.equal(log.header.stream, header.stream);
  assert.equal(log.header.extra, { encoding: 'f32' });
  assert.is(log.rounds.length, 25);
  assert.equal(log.rounds.map((r) => r.t), Array.from({ length: 25 }, (_, i) => i + 1));
  assert.equal(log.snapshots.map((s) => s.t), [10, 20, 25]);
  assert.is(log.torn, null);
  assert.throws(() => RunLogWriter.create(path, header, p), (e: unknown) => e instanceof IoError && e.message.includes(path)); // never overwrites
  assert.throws(() => w.write(log.rounds[0], p), (e: unknown) => e instanceof StateError);
});

test('a C_L not observed (finalConf NaN: every round exits) is null on disk and NaN when read back', async () => {
  const path = fresh();
  const p = createAnyPolicy('fixed:2', { costs, alpha: 0 });
  const w = RunLogWriter.create(path, header, p);
  await runner(p, 1, 0).runStream(samples.slice(0, 5), (r) => w.write(r, p));
  w.close(p);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.includes('"kind":"round"'));
  assert.is(lines.length, 5);
  assert.ok(lines.every((l) => l.includes('"outcome":"exit"') && l.includes('"finalConf":null')), 'exit rounds write finalConf null');
  assert.equal(readRunLog(path).rounds.map((r) => [r.outcome, r.finalConf]), Array.from({ length: 5 }, () => ['exit', NaN]));
});

test('resume after a crash: torn last line ignored and cut, policy restored + replayed, run continues identically', async () => {
  const ref = await reference();
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 7 });
  await runner(p).runStream(samples.slice(0, 17), (r) => w.write(r, p)); // snapshots at 7 and 14; 15..17 only as rounds
  // the crash: no close(), and half a line of round 18 on disk
  appendFileSync(path, '{"kind":"round","t":18,"ind');
  const torn = readRunLog(path);
  assert.equal(torn.torn, { line: 1 + 17 + 2 + 1, text: '{"kind":"round","t":18,"ind' });
  const resumed = resumeRunLog(path, { snapshotEvery: 7 });
  assert.is(resumed.nextT, 18);
  const r2 = runner(resumed.policy, resumed.nextT);
  await r2.runStream(samples.slice(17), (r) => resumed.writer.write(r, resumed.policy));
  resumed.writer.close(resumed.policy);
  const log = readRunLog(path);
  assert.is(log.torn, null);
  assert.equal(log.rounds.map((r) => r.t), Array.from({ length: 40 }, (_, i) => i + 1));
  assert.equal(log.rounds.map((r) => r.split), ref.splits);
  assert.is(JSON.stringify(resumed.policy.snapshot()), ref.state);
});

test('resume with no snapshot yet uses the header state; an empty run resumes at t = 1', async () => {
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 0 });
  let r = resumeRunLog(path);
  assert.is(r.nextT, 1);
  r.writer.close();
  await runner(p).runStream(samples.slice(0, 3), (x) => w.write(x, p));
  r = resumeRunLog(path);
  assert.is(r.nextT, 4);
  assert.equal(r.policy.snapshot(), p.snapshot());
  r.writer.close();
  w.close();
});

test('layerwise (a stage policy): a crashed run resumes and continues identically; a changed decision is refused', async () => {
  const ref = await reference('layerwise');
  assert.ok(new Set(ref.outcomes).size >= 2, ref.outcomes.join(' '));
  const path = fresh();
  const p = newPolicy('layerwise');
  const w = RunLogWriter.create(path, { ...header, policy: { name: 'layerwise', params: {} } }, p, { snapshotEvery: 7 });
  await runner(p).runStream(samples.slice(0, 17), (r) => w.write(r, p)); // no close: 15..17 replay through decide()
  const resumed = resumeRunLog(path, { snapshotEvery: 7 });
  assert.is(resumed.policy.execution, 'stage');
  await runner(resumed.policy, resumed.nextT).runStream(samples.slice(17), (r) => resumed.writer.write(r, resumed.policy));
  resumed.writer.close(resumed.policy);
  const log = readRunLog(path);
  assert.equal(log.rounds.map((r) => r.split), ref.splits);
  assert.equal(log.rounds.map((r) => r.outcome), ref.outcomes);
  assert.is(JSON.stringify(resumed.policy.snapshot()), ref.state);
  // a round after the last snapshot whose logged decision the policy would not make
  const lines = readFileSync(path, 'utf8').split('\n');
  const k = lines.findIndex((l) => l.includes('"kind":"snapshot","t":35'));
  const j = lines.findIndex((l, i) => i > k && JSON.parse(l).split < L);
  const round = JSON.parse(lines[j]);
  round.outcome = round.outcome === 'exit' ? 'offload' : 'exit';
  lines[j] = JSON.stringify(round);
  writeFileSync(path, lines.slice(0, j + 1).join('\n') + '\n');
  assert.throws(() => resumeRunLog(path), (e: unknown) => e instanceof FormatError && new RegExp(`round ${round.t} does not replay`).test((e as Error).message));
});

test('a log that does not replay is refused', async () => {
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 0 });
  await runner(p).runStream(samples.slice(0, 12), (x) => w.write(x, p));
  w.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  const round = JSON.parse(lines[12]);
  round.chosen = round.chosen === 1 ? 2 : 1;
  lines[12] = JSON.stringify(round);
  writeFileSync(path, lines.join('\n'));
  assert.throws(() => resumeRunLog(path), (e: unknown) => e instanceof FormatError && /round 12 does not replay/.test((e as Error).message));
});

test('malformed lines are errors naming the line; only a torn LAST line is forgiven', async () => {
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p);
  await runner(p).runStream(samples.slice(0, 3), (x) => w.write(x, p));
  w.close();
  const good = readFileSync(path, 'utf8').split('\n');
  const variant = (i: number, edit: (o: Record<string, unknown>) => unknown, raw?: string) => {
    const lines = [...good];
    lines[i] = raw ?? JSON.stringify(edit(JSON.parse(lines[i])));
    const f = fresh();
    writeFileSync(f, lines.join('\n'));
    return f;
  };
  const expectLine = (f: string, n: number, re: RegExp) =>
    assert.throws(() => readRunLog(f), (e: unknown) => e instanceof FormatError && e.message.includes(`line ${n}:`) && re.test(e.message) && e.message.includes(f));
  expectLine(variant(2, () => null, '{"kind":"round",'), 3, /not JSON/);
  expectLine(variant(0, (o) => ({ ...o, version: 2 })), 1, /version/);
  expectLine(variant(0, (o) => ({ ...o, kind: 'round' })), 1, /header/);
  expectLine(variant(1, (o) => ({ ...o, t: 5 })), 2, /out of order/);
  expectLine(variant(2, (o) => ({ ...o, outcome: 'lost' })), 3, /outcome/);
  expectLine(variant(2, (o) => ({ ...o, cost: 'x' })), 3, /cost/);
  expectLine(variant(2, (o) => ({ ...o, confidences: [0.5, null] })), 3, /confidences/);
  expectLine(variant(3, (o) => ({ ...o, kind: 'other' })), 4, /unknown kind/);
  expectLine(variant(2, () => [1]), 3, /not an object/);
  const empty = fresh();
  writeFileSync(empty, '');
  assert.throws(() => readRunLog(empty), (e: unknown) => e instanceof FormatError && /no header/.test((e as Error).message));
  assert.throws(() => readRunLog(join(dir, 'missing.jsonl')), (e: unknown) => e instanceof IoError && /missing\.jsonl/.test((e as Error).message));
});

test('write failures are IoErrors naming the path; what was written stays intact', async () => {
  if (existsSync('/dev/full')) {
    assert.throws(() => RunLogWriter.append('/dev/full', 0).write({ t: 1 } as RoundRecord, newPolicy()), (e: unknown) => e instanceof IoError && /\/dev\/full/.test((e as Error).message) && /ENOSPC/.test((e as Error).message));
  }
  assert.throws(() => RunLogWriter.create(join(dir, 'no-such-dir', 'x.jsonl'), header, newPolicy()), (e: unknown) => e instanceof IoError && /no-such-dir/.test((e as Error).message));
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 0 });
  const recs: RoundRecord[] = [];
  await runner(p).runStream(samples.slice(0, 4), (x) => void recs.push(copyRecord(x)));
  w.write(recs[0], p);
  w.write(recs[1], p);
  const before = readFileSync(path, 'utf8');
  closeSync((w as unknown as { fd: number }).fd); // the descriptor dies under the writer (as on a lost disk)
  assert.throws(() => w.write(recs[2], p), (e: unknown) => e instanceof IoError && e.message.includes(path) && /EBADF/.test((e as Error).message));
  assert.is(readFileSync(path, 'utf8'), before);
  assert.is(readRunLog(path).rounds.length, 2);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));


// Issue 15 item 4: the torn tail is measured in bytes, so a tail cut inside a UTF-8 sequence is cut exactly.
test('a torn last line of invalid UTF-8 is cut by bytes: resume twice keeps every complete round intact', async () => {
  const path = fresh();
  const p = newPolicy();
  const w = RunLogWriter.create(path, header, p, { snapshotEvery: 0 });
  await runner(p).runStream(samples.slice(0, 5), (x) => w.write(x, p));
  w.close(p);
  const before = readFileSync(path);
  appendFileSync(path, Buffer.from([0xe2, 0x82]));
  const torn = readRunLog(path);
  assert.is(torn.validBytes, before.length);
  assert.ok(torn.torn !== null);
  for (let k = 0; k < 2; k++) {
    const r = resumeRunLog(path);
    assert.is(r.nextT, 6);
    r.writer.close();
    assert.equal(readFileSync(path), before);
    appendFileSync(path, Buffer.from([0xe2, 0x82]));
  }
});

test('a complete line of invalid UTF-8 is a FormatError; a line nested 5,000 deep is a bounded FormatError', () => {
  const path = fresh();
  writeFileSync(path, Buffer.concat([Buffer.from('{"kind":"header"}\n'), Buffer.from([0xe2, 0x82, 0x0a])]));
  assert.throws(() => readRunLog(path), (e: unknown) => e instanceof FormatError && /not UTF-8/.test((e as Error).message));
  for (const line of ['['.repeat(5000) + ']'.repeat(5000), '{"kind":"header","format":' + '{"a":'.repeat(5000) + '1' + '}'.repeat(5001)]) {
    const f = fresh();
    writeFileSync(f, line + '\n');
    assert.throws(() => readRunLog(f), (e: unknown) => e instanceof FormatError && /nested too deeply/.test((e as Error).message) && (e as Error).message.length < 400);
  }
});

test.run();
