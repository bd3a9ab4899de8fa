/**
 * Writes the SpamAssassin splits as JSON lines for the Python side (training, baseline, tokenizer):
 *   tools/spam/data/{source-train,source-heldout,target}.jsonl, one {"id","text","label"} per line.
 * The texts come from src/node/datasets/email.ts, the same parser the TypeScript runtime uses.
 * The files are generated (gitignored): `npx tsx tools/spam/extract.ts [outDir]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSpamAssassin, type SpamSplit } from '../../src/node/datasets/spam-assassin.js';

const outDir = process.argv[2] ?? join('tools', 'spam', 'data');
mkdirSync(outDir, { recursive: true });
const t0 = performance.now();
for (const split of ['source-train', 'source-heldout', 'target'] as SpamSplit[]) {
  const samples = loadSpamAssassin(split);
  const lines = samples.map((s) => JSON.stringify({ id: s.id, text: s.text, label: s.label }));
  const path = join(outDir, `${split}.jsonl`);
  writeFileSync(path, lines.join('\n') + '\n');
  const spam = samples.filter((s) => s.label === 1).length;
  const chars = samples.reduce((a, s) => a + s.text.length, 0);
  console.log(`${path}: ${samples.length} emails (${samples.length - spam} ham, ${spam} spam), ${(chars / 1e6).toFixed(1)} M chars`);
}
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
