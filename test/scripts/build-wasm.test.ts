// scripts/build-wasm.mjs (run by `npm run prepare`) is deterministic and the committed outputs are
// current: a fresh build into a temporary folder gives byte-identical wasm/*.wasm and
// src/tensor/kernels/simd-wasm.ts, and the bench's bench/tensor/ceiling-*.wasm (edit asm/, then
// `npm run prepare`, and commit all five).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('a fresh build equals the committed wasm files and their generated TypeScript module', () => {
  const out = mkdtempSync(join(tmpdir(), 'splitee-build-wasm-'));
  try {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--out', out], { cwd: process.cwd(), stdio: 'pipe', timeout: 120_000 });
    for (const f of ['wasm/kernels-simd.wasm', 'wasm/kernels-relaxed.wasm', 'src/tensor/kernels/simd-wasm.ts', 'bench/tensor/ceiling-simd.wasm', 'bench/tensor/ceiling-relaxed.wasm']) {
      const fresh = readFileSync(join(out, f));
      const committed = readFileSync(join(process.cwd(), f));
      assert.ok(fresh.equals(committed), `${f}: a fresh build differs from the committed file (run npm run prepare and commit)`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
