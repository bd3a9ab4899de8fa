#!/usr/bin/env node
// The `splitee` command: runs the compiled CLI (built by `npm ci` through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/src/node/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(`splitee: the compiled CLI is missing: got no ${cli}, expected a build; run \`npm run build\` (npm ci runs it)`);
  process.exit(2);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
