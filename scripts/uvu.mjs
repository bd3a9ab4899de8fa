#!/usr/bin/env node
// A minimal uvu front end: `node --import tsx scripts/uvu.mjs DIR PATTERN`.
// uvu's own bin imports test files through `new Function`, which throws under
// --disallow-code-generation-from-strings; this one uses uvu's `parse` + `run` directly.
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const [dir = 'test', pattern] = process.argv.slice(2);
const ctx = await parse(dir, pattern ? new RegExp(pattern) : undefined, { cwd: process.cwd() });
if (ctx.suites.length === 0) {
  console.error(`uvu: no test files in ${dir} match ${pattern}`);
  process.exit(1);
}
await run(ctx.suites, {});
