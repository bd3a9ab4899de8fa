// Deno and Bun entry of the probe: `probe.js BASE CLOUD SAMPLES` prints one line of JSON (ProbeResult).
import { probe } from './probe.js';

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const args = g.Deno ? g.Deno.args : (g.process?.argv.slice(2) ?? []);
const [base, cloud, samples] = args;
console.log(JSON.stringify(await probe(base, cloud, Number(samples))));
