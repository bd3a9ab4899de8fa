// Deno / Bun entry of the detach probe: `detach-cli.js BASE EVENT` prints one JSON line.
import { detachProbe } from './detach-probe.js';

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const [base, event] = g.Deno ? g.Deno.args : (g.process?.argv.slice(2) ?? []);
console.log(JSON.stringify(await detachProbe(base, event === 'transfer' ? 'transfer' : 'none')));
