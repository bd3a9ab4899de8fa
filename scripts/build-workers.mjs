#!/usr/bin/env node
// Bundles the modules the CLI's worker threads run (src/node/commands/NAME.ts, which tsc compiles to
// dist/src/node/commands/NAME.js) into one ESM file each, NAME.bundle.js beside NAME.js, with esbuild: a worker
// then imports one file instead of ~80 modules (the trace workers' start-up; bench/README.md "Trace
// workers and `npm start`"). workerEntry (src/node/worker-pool.ts) takes the bundle where it exists.
// `node scripts/build-workers.mjs [DIST_DIR]` (default dist; run by the `build` and `prepare` scripts).
// The bundles stay in their folder, so what they find from their own path (the package root,
// the data files) is found as from NAME.js.
import { build } from 'esbuild';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WORKER_MODULES = ['trace-pool-worker', 'sweep-worker'];

/** Writes dist/src/node/commands/NAME.bundle.js for every worker module; returns their paths. */
export async function buildWorkers(distDir = join(root, 'dist')) {
  const dir = join(distDir, 'src', 'node', 'commands');
  const out = [];
  for (const name of WORKER_MODULES) {
    const outfile = join(dir, `${name}.bundle.js`);
    await build({
      entryPoints: [join(root, 'src', 'node', 'commands', `${name}.ts`)],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'warning',
      // CommonJS dependencies (cli-progress) require node: built-ins: give the bundle a real require
      banner: { js: "import { createRequire as __splitee_createRequire } from 'node:module'; const require = __splitee_createRequire(import.meta.url);" },
    });
    out.push(outfile);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildWorkers(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`build-workers: ${out.length} bundles in ${dirname(out[0])}`);
}
