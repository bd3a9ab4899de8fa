/**
 * Runs every bench module (bench/**\/*.bench.ts, each exporting `run()`), or those whose path
 * contains the argument: `npm run bench`, `npm run bench -- tensor`, `npm run bench -- splitee`.
 * Figures are reported, never asserted; see bench/README.md for recorded runs.
 *
 * `npm run bench` compiles src/ and bench/ (tsconfig.bench.json -> dist-bench/) and runs this file with
 * plain node, as users run the engine. Not under tsx: its module loading detaches an ArrayBuffer, which
 * invalidates V8's ArrayBufferDetaching protector for the whole isolate, and from then on every typed-array
 * access in optimized code pays a detach check (BERT forward 73 -> 92-98 ms; bench/README.md, "A 25% trap").
 * `node --import tsx bench/index.ts` still works, and is right until the first such load.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';

const root = fileURLToPath(new URL('.', import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'; // dist-bench/bench/index.js runs the compiled modules
const filter = process.argv[2] ?? '';
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((f) => f.endsWith(`.bench${ext}`) && f.includes(filter) && !f.split(sep).includes('node_modules'))
  .sort();
if (files.length === 0) {
  console.error(`bench: no module matches ${JSON.stringify(filter)} under ${relative(process.cwd(), root) || '.'}`);
  process.exit(1);
}
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} (${cpus().length} cores), ${new Date().toISOString()}`);
for (const f of files) {
  console.log(`\n== ${f}`);
  const mod = (await import(pathToFileURL(join(root, f)).href)) as { run?: () => Promise<unknown> | unknown };
  if (typeof mod.run !== 'function') {
    console.error(`bench: ${f} exports no run()`);
    process.exitCode = 1;
    continue;
  }
  await mod.run();
}
