#!/usr/bin/env node
// The accuracy effect of the activation encoding on the wire (f32 / f16 / int8): the same stream and
// seed through `splitee run` with each encoding, (a) at fixed splits with alpha 1 (every sample is
// offloaded, so every answer crosses the wire: after stage 1 = 16x28x28, stage 5 = 32x14x14,
// stage 9 = 64x7x7) and (b) with the default policy (SplitEE-S, alpha auto).
// "changed" = answers that differ from the f32 device computation of the same sample (the trace).
//
// usage: node tools/experiments/encodings.mjs [--model DIR] [--samples N] [--distortion SPEC]
//        (defaults: the run command's model and distortion, 500 samples); prints a Markdown table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { model: { type: 'string' }, samples: { type: 'string' }, distortion: { type: 'string' } } });
const samples = values.samples ?? '500';
const tmp = mkdtempSync(join(tmpdir(), 'splitee-enc-'));
const base = ['--samples', samples, '--seed', '1', '--json', ...(values.model ? ['--model', values.model] : []), ...(values.distortion ? ['--distortion', values.distortion] : [])];

function run(args, tag) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'run', ...base, ...args, '--log', join(tmp, `${tag}.jsonl`), '--report', join(tmp, tag)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`run ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const rows = [];
for (const policy of ['fixed:1', 'fixed:5', 'fixed:9', 'default']) {
  for (const enc of ['f32', 'f16', 'int8']) {
    const args = policy === 'default' ? ['--encoding', enc] : ['--policy', policy, '--alpha', '1', '--encoding', enc];
    const s = run(args, `${policy.replace(':', '')}-${enc}`);
    const offloads = s.outcomes.offload + s.outcomes.fallback;
    rows.push({ policy: policy === 'default' ? `${s.policy} (alpha ${s.alpha})` : `${policy}, alpha 1`, enc, s, offloads });
    process.stderr.write(`${policy} ${enc}: accuracy ${(100 * s.accuracy).toFixed(2)}%, changed ${s.predictionMismatches}, bytes ${s.bytesSent}\n`);
  }
}
const data = rows[0].s.data;
console.log(`Stream: ${data}, ${rows[0].s.samples} samples, seed 1; model ${rows[0].s.model.id} (${rows[0].s.model.hash.slice(0, 12)}).\n`);
console.log('| policy | encoding | offloaded | bytes per offload | accuracy (%) | final layer (%) | answers changed vs f32 device |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const per = r.offloads ? Math.round(r.s.bytesSent / r.offloads) : 0;
  console.log(`| ${r.policy} | ${r.enc} | ${r.offloads} | ${per} | ${(100 * r.s.accuracy).toFixed(2)} | ${(100 * r.s.finalLayerAccuracy).toFixed(2)} | ${r.s.predictionMismatches} |`);
}
