// The core in a browser bundle (esbuild, minified, gzip -9): the device kit (engine + policies + runner)
// within the 50 KB budget, the tokenizer library outside it, no node: import in any bundle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: a plain .mjs script without types
import { bundleSizes, BUDGET_GZIP_BYTES } from '../../scripts/bundle-size.mjs';

type Sizes = Record<'device-kit' | 'core' | 'tokenizer' | 'device', { minified: number; gzipped: number; nodeImports: string[] }>;

test('device kit: <= 50 KB gzipped; no bundle imports node:; the kit is part of the core entry', async () => {
  const s = (await bundleSizes()) as Sizes;
  const kb = (n: number): string => (n / 1024).toFixed(1);
  console.log(`  device kit ${kb(s['device-kit'].gzipped)} KB gzipped; whole core entry ${kb(s.core.gzipped)}; tokenizer ${kb(s.tokenizer.gzipped)}; ResNet demo device ${kb(s.device.gzipped)}`);
  assert.ok(s['device-kit'].gzipped <= (BUDGET_GZIP_BYTES as number), `device kit ${s['device-kit'].gzipped} bytes gzipped, budget ${BUDGET_GZIP_BYTES}`);
  for (const [name, x] of Object.entries(s)) assert.equal(x.nodeImports, [], `${name} imports node:`);
  assert.ok(s['device-kit'].minified < s.core.minified);
});

test.run();
