// The import graph of src/ for test/layering.test.ts: the specifiers a file imports, the layer
// violations and the import cycles of a graph (file -> imported files, paths relative to src/).

/** file -> the files it imports (relative to src/, '/'-separated). */
export type ImportGraph = Map<string, string[]>;

/** Specifiers of static imports/re-exports (type-only included), side-effect imports and import('...'), in order. */
export function parseImports(text: string): string[] {
  // Strip comments and the contents of strings that are not module specifiers (template literals and
  // quoted text outside an import/export statement) by blanking them before matching.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:\\])\/\/[^\n]*/g, '$1');
  const out: string[] = [];
  const re = /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(code); m !== null; m = re.exec(code)) out.push(m[1] ?? m[2]);
  return out;
}

/** The layer of a src/ file: 0 tensor, 1 layers, 2 splitee, 3 node; src/index.ts (the core entry) is 2. */
function layerOf(file: string): { rank: number; name: string } {
  const top = file.split('/')[0];
  if (top === 'tensor') return { rank: 0, name: 'tensor' };
  if (top === 'layers') return { rank: 1, name: 'layers' };
  if (top === 'splitee' || file === 'index.ts') return { rank: 2, name: top === 'splitee' ? 'splitee' : 'the core entry' };
  return { rank: 3, name: top.replace(/\.ts$/, '') };
}

/** 'from -> to (why)' for every import from a lower layer to a higher one. */
export function layerViolations(graph: ImportGraph): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    const a = layerOf(from);
    for (const to of targets) {
      const b = layerOf(to);
      if (b.rank > a.rank) bad.push(`${from} -> ${to} (${a.name} must not import ${b.name})`);
    }
  }
  return bad.sort();
}

/** Every elementary cycle's representative found by a DFS: [a, b, ..., a], each cycle once, sorted. */
export function findCycles(graph: ImportGraph): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'active');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      const s = state.get(t);
      if (s === 'active') {
        const cyc = stack.slice(stack.indexOf(t));
        // One key per cycle whatever node the DFS entered it by: rotate to the smallest file.
        const i = cyc.indexOf([...cyc].sort()[0]);
        const rot = [...cyc.slice(i), ...cyc.slice(0, i)];
        const key = rot.join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...rot, rot[0]]);
        }
      } else if (s === undefined && graph.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return cycles.sort((x, y) => x.join().localeCompare(y.join()));
}
