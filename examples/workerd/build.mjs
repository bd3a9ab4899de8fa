#!/usr/bin/env node
// Bundles examples/workerd/worker.ts (with the core) into examples/workerd/worker.js for workerd:
// `node examples/workerd/build.mjs [OUT_FILE]`. config.json and model.safetensors stay separate
// modules (config.capnp embeds them from weights/fmnist-resnet).
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildWorker(outfile = join(here, 'worker.js')) {
  await build({ entryPoints: [join(here, 'worker.ts')], outfile, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', external: ['./config.json', './model.safetensors'], logLevel: 'warning', legalComments: 'none' });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(`workerd worker: ${await buildWorker(process.argv[2] ? resolve(process.argv[2]) : undefined)}`);
