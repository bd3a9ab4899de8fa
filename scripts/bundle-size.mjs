#!/usr/bin/env node
// The core's size in a browser bundle: esbuild (minified, ESM, es2022, browser) then gzip -9.
//   node scripts/bundle-size.mjs [--json]
// Bundles measured:
//   device-kit  what the device side of a split needs, from the core entry: the engine (buildModel with
//               every family, kernels, safetensors), every policy (createPolicy, restorePolicy), the
//               cost tables, the runner (SplitRunner) and its transport (HttpCloud, wire codec)
//   core        src/index.ts: the whole core entry (the above plus replay, traces, synthetic streams,
//               distortions, the text input wrapper, ...)
//   (both with the tokenizer library, @huggingface/tokenizers, left out)
//   tokenizer   @huggingface/tokenizers alone: what a page running the text model adds
//   device      src/demo/device.ts: what a page that runs the ResNet device side really ships (tree-shaken)
// Budget: `device-kit` <= 50 KB gzipped (engine + policies + runner; the tokenizer is separate).
// Exits 1 over budget. It writes nothing (esbuild bundles in memory).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BUDGET_GZIP_BYTES = 50 * 1024;
export const TOKENIZER = '@huggingface/tokenizers';
/** The device kit: engine + policies + runner, as a user's page imports them. */
export const DEVICE_KIT = "export { buildModel, fastKernels, parseSafetensors, createPolicy, restorePolicy, paperCosts, measuredCosts, SplitRunner, HttpCloud, LocalCloud, encodeResumeRequest, parseResumeResponse } from './src/index.ts';";
export const ENTRIES = {
  'device-kit': { entry: '(stdin) engine + policies + runner', external: [TOKENIZER] },
  core: { entry: 'src/index.ts', external: [TOKENIZER] },
  tokenizer: { entry: `node_modules/${TOKENIZER}`, external: [] },
  device: { entry: 'src/demo/device.ts', external: [TOKENIZER] },
};

/** {name: {minified, gzipped, nodeImports}} bytes of each entry's bundle. */
export async function bundleSizes() {
  const out = {};
  for (const [name, { entry, external }] of Object.entries(ENTRIES)) {
    const input = name === 'device-kit' ? { stdin: { contents: DEVICE_KIT, resolveDir: root, sourcefile: 'device-kit.ts', loader: 'ts' } } : { entryPoints: [name === 'tokenizer' ? TOKENIZER : join(root, entry)] };
    const r = await build({ ...input, absWorkingDir: root, external, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, legalComments: 'none', logLevel: 'silent', metafile: true });
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
    for (const [name, s] of Object.entries(sizes)) console.log(`${name.padEnd(10)} ${s.entry.padEnd(34)} ${(s.minified / 1024).toFixed(1).padStart(6)} KB minified  ${(s.gzipped / 1024).toFixed(1).padStart(5)} KB gzipped`);
    console.log(`budget: device-kit <= ${BUDGET_GZIP_BYTES / 1024} KB gzipped`);
  }
  const kit = sizes['device-kit'];
  process.exit(kit.gzipped <= BUDGET_GZIP_BYTES && Object.values(sizes).every((x) => x.nodeImports.length === 0) ? 0 : 1);
}
