#!/usr/bin/env node
// Bundles the demo page (web/demo/app.ts, with the core it imports) for the browser with esbuild and
// copies its HTML and CSS: `node scripts/build-web.mjs [OUT_DIR]` (default dist/web/demo; run by the
// `build` and `prepare` scripts). The page has no inline script, so it runs under `script-src 'self'`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes index.html, style.css and app.js (minified ESM, es2022) into outDir. */
export async function buildWeb(outDir = join(root, 'dist', 'web', 'demo')) {
  mkdirSync(outDir, { recursive: true });
  const src = join(root, 'web', 'demo');
  await build({
    entryPoints: [join(src, 'app.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(src, f), join(outDir, f));
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`build-web: ${out}`);
}
