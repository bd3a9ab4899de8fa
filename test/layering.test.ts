// The layering of src/ (README "Layers of the code"): tensor <- layers <- splitee <- node, src/index.ts the core
// entry (tensor, layers, splitee), and no import cycle between files. Every relative import of every .ts file is
// read (type-only imports and re-exports too: a type cycle still ties the files together).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles, layerViolations, parseImports, type ImportGraph } from './helpers/import-graph.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** file (relative to src/, '/'-separated) -> the src files it imports. */
function srcGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const abs of tsFiles(SRC)) {
    const from = relative(SRC, abs).split('\\').join('/');
    const targets = parseImports(readFileSync(abs, 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => relative(SRC, resolve(dirname(abs), s.replace(/\.js$/, '.ts'))).split('\\').join('/'));
    graph.set(from, targets);
  }
  return graph;
}

test('layering: no import from a lower layer to a higher one (tensor <- layers <- splitee <- node)', () => {
  const bad = layerViolations(srcGraph());
  assert.ok(bad.length === 0, `layering: ${bad.length} import(s) against tensor <- layers <- splitee <- node:\n  ${bad.join('\n  ')}`);
});

test('layering: no import cycle between files under src/', () => {
  const cycles = findCycles(srcGraph());
  assert.ok(cycles.length === 0, `layering: ${cycles.length} import cycle(s):\n  ${cycles.map((c) => c.join(' -> ')).join('\n  ')}`);
});

test('layering: the checks see a back-edge and a cycle (they can fail)', () => {
  const g = srcGraph();
  const withBackEdge: ImportGraph = new Map(g);
  withBackEdge.set('layers/config.ts', [...(g.get('layers/config.ts') ?? []), 'splitee/stream/distortions.ts']);
  assert.equal(layerViolations(withBackEdge).filter((v) => v.startsWith('layers/config.ts')), ['layers/config.ts -> splitee/stream/distortions.ts (layers must not import splitee)']);
  const cyc: ImportGraph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
  assert.equal(findCycles(cyc), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});

test('parseImports: static, type-only, re-exports, side-effect and dynamic imports; not comments or strings', () => {
  const src = [
    "import { a } from './a.js';",
    "import type { B } from '../b.js';",
    "import {\n  c,\n  type D,\n} from './c.js';",
    "export * from './e.js';",
    "export { f } from './f.js';",
    "import './g.js';",
    "const h = await import('./h.js');",
    "// import { x } from './comment.js';",
    "/* import { y } from './block.js'; */",
    "const s = \"import { z } from './string.js'\";",
  ].join('\n');
  assert.equal(parseImports(src), ['./a.js', '../b.js', './c.js', './e.js', './f.js', './g.js', './h.js']);
});

test.run();
