#!/usr/bin/env node
// The core's size in a browser bundle: esbuild (minified, ESM, es2022, browser) then gzip -9.
//   node scripts/bundle-size.mjs [--json]
// Bundles measured:
//   core        src/index.ts: the whole core entry (engine, layers incl. BERT, policies, runner, wire, transport)
//   device      src/demo/device.ts: what a page that runs the ResNet device side really ships (tree-shaken)
// Budget: `core` <= 50 KB gzipped (engine + policies + runner; the tokenizer is separate and not in it).
// Exits 1 over budget. It writes nothing (esbuild bundles in memory).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUDGET_GZIP_BYTES = 50 * 1024;
export const ENTRIES = { core: 'src/index.ts', device: 'src/demo/device.ts' };

/** {name: {minified, gzipped, nodeImports}} bytes of each entry's bundle. */
export async function bundleSizes() {
  const out = {};
  for (const [name, entry] of Object.entries(ENTRIES)) {
    const r = await build({ entryPoints: [join(root, entry)], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, legalComments: 'none', logLevel: 'silent', metafile: true });
    const code = r.outputFiles[0].contents;
    const nodeImports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path)).filter((p) => p.startsWith('node:'));
    out[name] = { entry, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, nodeImports };
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = await bundleSizes();
  if (process.argv.includes('--json')) console.log(JSON.stringify(sizes));
  else {
    for (const [name, s] of Object.entries(sizes)) console.log(`${name.padEnd(7)} ${s.entry.padEnd(20)} ${(s.minified / 1024).toFixed(1).padStart(6)} KB minified  ${(s.gzipped / 1024).toFixed(1).padStart(5)} KB gzipped`);
    console.log(`budget: core <= ${BUDGET_GZIP_BYTES / 1024} KB gzipped`);
  }
  process.exit(sizes.core.gzipped <= BUDGET_GZIP_BYTES && sizes.core.nodeImports.length === 0 ? 0 : 1);
}
