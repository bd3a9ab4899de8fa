// The device side in one runtime, as the runtime tests run it (bundled by helpers.ts with esbuild into
// one ESM file, then run by Deno, Bun or workerd): build the model from the bytes a demo server sends,
// golden parity with PyTorch, then a live split of `samples` rounds against the cloud at `cloud`.
import { DemoSession, fetchGolden, goldenParity, loadDemo, type DemoDevice, type ParityResult, type DemoTotals } from '../../src/demo/device.js';

export interface ProbeResult {
  runtime: string;
  parity: ParityResult;
  totals: DemoTotals;
}

/** The runtime's name and version, from its own globals. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string }; navigator?: { userAgent?: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return g.navigator?.userAgent ?? 'unknown';
}

export async function probe(base: string, cloud: string, samples: number, device?: DemoDevice): Promise<ProbeResult> {
  const d = device ?? (await loadDemo(base));
  const parity = goldenParity(await fetchGolden(base), d.network);
  const session = new DemoSession(d, cloud, { samples });
  while (!session.done) await session.step();
  return { runtime: runtimeName(), parity, totals: session.totalsNow() };
}
