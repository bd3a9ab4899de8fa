// `splitee claims` end to end on small inputs: a text model's streams are data sources (the paper's own
// setting), an image model's are distortions of --data; traces are cached and reused by model hash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/node/commands/claims.js';
import { parseTrace } from '../../../src/splitee/trace.js';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { changedPaths, snapshotTree } from '../../helpers/package-out.js';

const packageOut = snapshotTree(); // every claims below writes under --out in a temporary folder

const tinyBert = join(process.cwd(), 'test', 'fixtures', 'tiny-bert');
const resnet = join(process.cwd(), 'weights', 'fmnist-resnet');
const tmp = mkdtempSync(join(tmpdir(), 'splitee-claims-'));
const jsonl = (name: string, texts: string[]): string => {
  const f = join(tmp, name);
  writeFileSync(f, texts.map((t, i) => JSON.stringify({ text: t, label: ['a', 'b', 'c'][i % 3] })).join('\n'));
  return f;
};
const source = jsonl('source.jsonl', ['hello world', 'free money!!! spam spam', 'the', 'a b c d e f g', 'spam', 'ok then']);
const target = jsonl('target.jsonl', ['win a prize now', 'meeting at noon', 'unsubscribe here', 'lunch?']);

interface ClaimsJson {
  streams: { stream: string; rows: number; exitAccuracy: number[] }[];
  headline: { stream: string; policy: string; costReduction: number; accuracyDrop: number }[];
  measured: { stream: string; encoding: string }[];
}

async function claims(args: string[]): Promise<ClaimsJson> {
  const log = console.log;
  const err = console.error;
  let printed = '';
  console.log = (s: string) => (printed += s);
  console.error = () => {};
  try {
    assert.is(await run(args), 0);
  } finally {
    console.log = log;
    console.error = err;
  }
  return JSON.parse(printed) as ClaimsJson;
}

test('claims --model <text model> --streams A.jsonl,B.jsonl: one stream per data source, traced and cached', async () => {
  const out = join(tmp, 'text');
  const args = ['--model', tinyBert, '--streams', `${source},${target}`, '--alpha', '0.8', '--device-gflops', '1', '--runs', '2', '--out', out, '--json'];
  const j = await claims(args);
  assert.equal(j.streams.map((s) => [s.stream, s.rows]), [[source, 6], [target, 4]]);
  assert.equal(j.headline.map((c) => `${c.stream === source ? 'S' : 'T'} ${c.policy}`), ['S splitee', 'S splitee-s', 'S layerwise', 'S threshold', 'T splitee', 'T splitee-s', 'T layerwise', 'T threshold']);
  assert.is(j.measured.length, 2 * 2 * 3); // streams x encodings x policies
  for (const c of j.headline) assert.ok(Number.isFinite(c.costReduction) && Number.isFinite(c.accuracyDrop), `${c.stream} ${c.policy}`);
  const csv = join(out, 'traces', target.replace(/[^a-z0-9-]+/gi, '_') + '.csv');
  const tr = parseTrace(readFileSync(csv, 'utf8'));
  assert.equal([tr.numRows, tr.numExits, Array.from(tr.label)], [4, 3, [0, 1, 2, 0]]);
  assert.equal(JSON.parse(readFileSync(csv.replace(/\.csv$/, '.json'), 'utf8')).data, target);
  // a second run reuses both traces (not rewritten) and gives the same per-exit accuracies
  const before = statSync(csv).mtimeMs;
  const again = await claims(args);
  assert.is(statSync(csv).mtimeMs, before);
  assert.equal(again.streams, j.streams);
  // claims.md's Reproduce line names every option that differs from its default (not --json)
  const md = readFileSync(join(out, 'claims.md'), 'utf8');
  const repro = /^Reproduce: `([^`]*)`/m.exec(md)?.[1];
  assert.is(repro, `npx splitee claims --model ${tinyBert} --out ${out} --streams ${source},${target} --alpha 0.8 --runs 2 --device-gflops 1`);
  // the side-by-side table has a layerwise column; its decisions per stage are tabulated
  assert.match(md, /^\| stream \| splitee \| splitee-s \| layerwise \| threshold \|$/m);
  assert.match(md, /^\| stream \| policy \| stage 1 \| stage 2 \| final \|$/m);
  const chart = `layerwise-decisions-${target.replace(/[^a-z0-9-]+/gi, '_')}.svg`;
  assert.ok(md.includes(`](${chart})`), chart);
  assert.match(readFileSync(join(out, chart), 'utf8'), /decisions per stage/);
  assert.match(md, new RegExp(`^\\| ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\| layerwise \\| `, 'm'));
});

test('claims.md Reproduce: defaults are left out, other values are written as parsed and shell-quoted', async () => {
  const out = join(tmp, 'repro dir');
  await claims(['--model', tinyBert, '--data', target, '--samples', '3', '--alpha', '0.80', '--alpha-margin', '2', '--seed', '7', '--runs', '20', '--bandwidth', '5', '--rtt', '20', '--device-gflops', '1.5', '--out', out, '--json']);
  const repro = /^Reproduce: `([^`]*)`/m.exec(readFileSync(join(out, 'claims.md'), 'utf8'))?.[1];
  assert.is(repro, `npx splitee claims --model ${tinyBert} --out '${out}' --data ${target} --samples 3 --alpha 0.8 --alpha-margin 2 --seed 7 --device-gflops 1.5 --bandwidth 5`);
});

test('claims with a text model: --data alone is the one stream; --data with --streams is refused', async () => {
  const j = await claims(['--model', tinyBert, '--data', target, '--alpha', '0.8', '--device-gflops', '1', '--runs', '1', '--out', join(tmp, 'one'), '--json']);
  assert.equal(j.streams.map((s) => s.stream), [target]);
  try {
    await run(['--model', tinyBert, '--data', target, '--streams', source, '--alpha', '0.8', '--out', join(tmp, 'bad')]);
    assert.unreachable('--data with --streams was accepted');
  } catch (e) {
    assert.ok(e instanceof ArgumentError && /--streams and --data together with a text model/.test((e as Error).message), String(e));
  }
  assert.not.ok(existsSync(join(tmp, 'bad')), 'nothing written before the error');
});

test('claims with the image model: streams are distortions of --data', async () => {
  const j = await claims(['--model', resnet, '--samples', '24', '--streams', 'clean,contrast:2', '--alpha', '0.8', '--device-gflops', '1', '--runs', '1', '--out', join(tmp, 'image'), '--json']);
  assert.equal(j.streams.map((s) => [s.stream, s.rows]), [['clean', 24], ['contrast:2', 24]]);
  assert.equal(j.streams.map((s) => s.exitAccuracy.length), [12, 12]);
  const meta = JSON.parse(readFileSync(join(tmp, 'image', 'traces', 'contrast_2.json'), 'utf8')) as { stream: string; description: string; data: null };
  assert.equal([meta.stream, meta.data], ['contrast:2', null]);
  assert.match(meta.description, /contrast/);
});

test('cleanup', () => rmSync(tmp, { recursive: true, force: true }));

test('claims: the tests above wrote nothing into the package\'s splitee-out/', () => {
  assert.equal(changedPaths(packageOut, snapshotTree()), []);
});

test.run();
