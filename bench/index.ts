/**
 * Runs every bench module (bench/**\/*.bench.ts, each exporting `run()`), or those whose path
 * contains the argument: `npm run bench`, `npm run bench -- tensor`, `npm run bench -- splitee`.
 * Figures are reported, never asserted; see bench/README.md for recorded runs.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus } from 'node:os';

const root = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter) && !f.split(sep).includes('node_modules'))
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
