// The npm package as a user gets it: `npm pack` stays under 4 MB (the CLI's default model
// weights/fmnist-resnet inside; ONNX exports, PyTorch traces and the text model out), installs into an
// empty project, its core imports there, and `npx splitee run --samples 50` runs from there.
//
// Offline: the temporary project installs the packed tarball with `npm install --offline`; its
// dependencies come from this repository's node_modules (file: links to the copies `npm ci` put there,
// the closure read from package-lock.json), because npm's cache holds their tarballs but not their
// registry metadata, without which an offline install cannot resolve a version range.
// The tarball packs dist/ as it is: when dist is missing or older than a source, the test runs
// `npm run build` first (after `npm ci` it is fresh and nothing is rebuilt).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MAX_PACKED = 4 * 1024 * 1024;
const tmp = mkdtempSync(join(tmpdir(), 'splitee-pack-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

interface PackEntry { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] }

/** Every package the production dependencies need, by name (package-lock.json is flat here). */
function dependencyClosure(): string[] {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }> };
  const seen = new Set<string>();
  const todo = Object.keys(lock.packages[''].dependencies ?? {});
  while (todo.length > 0) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    const e = lock.packages[`node_modules/${name}`];
    assert.ok(e !== undefined, `package-lock.json has no node_modules/${name}`);
    seen.add(name);
    todo.push(...Object.keys(e.dependencies ?? {}), ...Object.keys(e.optionalDependencies ?? {}).filter((d) => existsSync(join('node_modules', d))));
  }
  return [...seen];
}

/** Whether dist/ lacks a build output or is older than a source of it (src/, web/). */
function distStale(): boolean {
  const outs = ['dist/src/index.js', 'dist/src/node/cli.js', 'dist/web/demo/app.js'];
  if (!outs.every((f) => existsSync(f))) return true;
  const built = Math.min(...outs.map((f) => statSync(f).mtimeMs));
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  return Math.max(newest('src'), newest('web')) > built;
}

let packed: PackEntry;

test('npm pack: <= 4 MB, the default model in, ONNX / traces / the text model out', () => {
  if (distStale()) execFileSync('npm', ['run', 'build'], { encoding: 'utf8' });
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { encoding: 'utf8' });
  packed = (JSON.parse(out) as PackEntry[])[0];
  const paths = packed.files.map((f) => f.path);
  console.log(`  npm pack: ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${paths.length} files`);
  assert.ok(packed.size <= MAX_PACKED, `packed ${packed.size} bytes, expected <= ${MAX_PACKED}`);
  for (const f of ['weights/fmnist-resnet/model.safetensors', 'weights/fmnist-resnet/config.json', 'weights/fmnist-resnet/stream/t2k-images-idx3-ubyte.gz', 'dist/src/index.js', 'dist/web/demo/index.html', 'bin/splitee.js']) assert.ok(paths.includes(f), `${f} not in the tarball`);
  assert.equal(paths.filter((p) => p.endsWith('.onnx') || p.includes('spam-bert') || /traces\/pytorch-/.test(p) || p.startsWith('test/') || p.startsWith('dist/test')), []);
});

test('installs offline into an empty project; the core imports; npx splitee run --samples 50 runs there', () => {
  const proj = join(tmp, 'project');
  mkdirSync(proj);
  const nm = realpathSync('node_modules');
  const deps: Record<string, string> = { splitee: `file:${join(tmp, packed.filename)}` };
  for (const d of dependencyClosure()) deps[d] = `file:${join(nm, d)}`;
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true, type: 'module', dependencies: deps }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: proj, encoding: 'utf8' });
  assert.ok(existsSync(join(proj, 'node_modules/splitee/package.json')) && !existsSync(join(proj, 'node_modules/splitee/src')), 'splitee installed from the tarball (no sources)');
  writeFileSync(join(proj, 'check.mjs'), "import { buildResNet, createPolicy, SplitRunner, HttpCloud } from 'splitee';\nimport { loadModel } from 'splitee/node';\nconsole.log([buildResNet, createPolicy, SplitRunner, HttpCloud, loadModel].map((f) => typeof f).join(' '));\n");
  assert.is(execFileSync('node', ['check.mjs'], { cwd: proj, encoding: 'utf8' }).trim(), 'function function function function function');
  const out = execFileSync('npx', ['--offline', 'splitee', 'run', '--samples', '50', '--json'], { cwd: proj, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  const summary = JSON.parse(out.trim().split('\n').pop()!) as { params: { samples: number }; model: { id: string; dir: string } };
  assert.is(summary.params.samples, 50);
  assert.is(summary.model.id, 'fmnist-resnet');
  assert.ok(resolve(summary.model.dir).startsWith(resolve(proj, 'node_modules/splitee')), `model from the installed package: ${summary.model.dir}`);
});

test.run();
