// The core in a browser bundle (esbuild, minified, gzip -9): within the 50 KB budget, no node: import.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: a plain .mjs script without types
import { bundleSizes, BUDGET_GZIP_BYTES } from '../../scripts/bundle-size.mjs';

test('core bundle: <= 50 KB gzipped, no node: import; the ResNet device side ships less', async () => {
  const s = (await bundleSizes()) as Record<string, { minified: number; gzipped: number; nodeImports: string[] }>;
  console.log(`  core ${(s.core.minified / 1024).toFixed(1)} KB minified, ${(s.core.gzipped / 1024).toFixed(1)} KB gzipped; device ${(s.device.gzipped / 1024).toFixed(1)} KB gzipped`);
  assert.ok(s.core.gzipped <= (BUDGET_GZIP_BYTES as number), `core ${s.core.gzipped} bytes gzipped, budget ${BUDGET_GZIP_BYTES}`);
  assert.equal(s.core.nodeImports, []);
  assert.equal(s.device.nodeImports, []);
  assert.ok(s.device.gzipped < s.core.gzipped);
});

test.run();
