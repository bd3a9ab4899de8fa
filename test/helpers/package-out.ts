// A guard for "tests write only into temporary folders": a snapshot of the package's splitee-out/
// (every file's path, size and mtime) taken when a test file starts, compared when it ends.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PACKAGE_OUT = 'splitee-out';

/** path -> `size mtimeMs` of every file under `dir` (empty when it does not exist). */
export function snapshotTree(dir: string = PACKAGE_OUT): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.set(p, `${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** The paths added or changed between two snapshots. */
export function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p);
}
