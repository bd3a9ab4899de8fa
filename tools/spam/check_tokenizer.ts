/**
 * Checks that tokenizers.js (@huggingface/tokenizers) gives exactly the ids the Python training side gave:
 * every email of every split (tools/spam/data/<split>.jsonl vs <split>.ids.jsonl, both generated), the odd
 * texts, and the committed fixtures weights/spam-bert/tokenizer-fixtures.jsonl.
 *   npx tsx tools/spam/check_tokenizer.ts        (exit code 1 on any difference)
 * Truncation: tokenizers.js 0.2 ignores tokenizer.json's `truncation`, so the ids are
 * [CLS] + encode(text, {add_special_tokens: false}).ids[:126] + [SEP], as in `bertIds` below.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';

const dir = join('weights', 'spam-bert');
const tok = new Tokenizer(
  JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
  JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')),
);
const CLS = tok.token_to_id('[CLS]')!;
const SEP = tok.token_to_id('[SEP]')!;

function bertIds(text: string, maxLength = 128): number[] {
  const content = tok.encode(text, { add_special_tokens: false }).ids;
  return [CLS, ...content.slice(0, maxLength - 2), SEP];
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

let failures = 0;
function compare(name: string, items: { id: string; text: string; ids: number[] }[]): void {
  let bad = 0;
  const t0 = performance.now();
  for (const it of items) {
    const got = bertIds(it.text);
    if (got.length !== it.ids.length || got.some((v, i) => v !== it.ids[i])) {
      bad++;
      if (bad <= 5) {
        const i = got.findIndex((v, k) => v !== it.ids[k]);
        console.log(`  ${it.id}: first difference at ${i}: js ${JSON.stringify(got.slice(i, i + 5).map((x) => tok.id_to_token(x)))} python ${JSON.stringify(it.ids.slice(i, i + 5).map((x) => tok.id_to_token(x)))}`);
      }
    }
  }
  failures += bad;
  const ms = (performance.now() - t0) / items.length;
  console.log(`${name}: ${items.length - bad}/${items.length} equal (${ms.toFixed(2)} ms/text in tokenizers.js)`);
}

const data = join('tools', 'spam', 'data');
for (const split of ['source-train', 'source-heldout', 'target']) {
  const textsPath = join(data, `${split}.jsonl`);
  const idsPath = join(data, `${split}.ids.jsonl`);
  if (!existsSync(textsPath) || !existsSync(idsPath)) {
    console.log(`${split}: skipped (run tools/spam/extract.ts and tools/spam/tokenize_data.py first)`);
    continue;
  }
  const texts = readJsonl<{ id: string; text: string }>(textsPath);
  const ids = readJsonl<{ id: string; ids: number[] }>(idsPath);
  compare(split, texts.map((t, i) => ({ id: t.id, text: t.text, ids: ids[i]!.ids })));
}
if (existsSync(join(data, 'odd.ids.jsonl'))) compare('odd texts', readJsonl(join(data, 'odd.ids.jsonl')));
compare('fixtures', readJsonl(join(dir, 'tokenizer-fixtures.jsonl')));
console.log(failures === 0 ? 'tokenizer check: all equal' : `tokenizer check: ${failures} texts differ`);
process.exit(failures === 0 ? 0 : 1);
