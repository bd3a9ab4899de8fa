/**
 * Where the bytes of bench/splitee/runner-alloc.bench.ts go: one row's loop under V8's sampling heap
 * profiler (HeapProfiler.startSampling, 16-byte mean interval), the top allocating frames with their
 * share of the bytes per round. A diagnostic for the README's "what remains", not a figure of record.
 *
 * flock /tmp/bench.lock node --expose-gc --min-semi-space-size=512 --max-semi-space-size=512 --import tsx bench/splitee/runner-alloc-profile.ts static fixed:3 eager
 *   args: network (static | static-offload | resnet | offload), policy, mode (step | eager), clock (now | zero); env WARMUP: rounds before
 */
import { Session } from 'node:inspector';
import { play, resnetCase, staticCase, type Mode } from './runner-alloc.bench.js';

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }

function post<T>(s: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))));
}

const [net = 'static', policy = 'fixed:3', mode = 'eager', clock = 'now'] = process.argv.slice(2);
const c = net === 'static' || net === 'static-offload' ? staticCase(policy, clock === 'zero', net === 'static-offload') : resnetCase(policy, net === 'offload', clock === 'zero');
c.warmup = Number(process.env.WARMUP ?? c.warmup);
await play(c.runner, mode as Mode, 0, c.warmup);
const s = new Session();
s.connect();
await post(s, 'HeapProfiler.enable');
(globalThis as { gc?: () => void }).gc?.();
await post(s, 'HeapProfiler.startSampling', { samplingInterval: 16, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const m0 = process.memoryUsage();
await play(c.runner, mode as Mode, c.warmup, c.rounds);
const m1 = process.memoryUsage();
const { profile } = await post<{ profile: { head: Node } }>(s, 'HeapProfiler.stopSampling');
const rows: [string, number][] = [];
const walk = (n: Node, path: string[]) => {
  const f = n.callFrame;
  const p = [...path, f.functionName || '(anon)'];
  if (n.selfSize > 0) rows.push([p.slice(-4).reverse().join(' <- '), n.selfSize]);
  for (const ch of n.children) walk(ch, p);
};
walk(profile.head, []);
rows.sort((a, b) => b[1] - a[1]);
const total = rows.reduce((a, r) => a + r[1], 0);
console.log(`${net} ${policy} ${mode}: ${c.rounds} rounds; heapUsed+arrayBuffers grew ${((m1.heapUsed - m0.heapUsed + m1.arrayBuffers - m0.arrayBuffers) / c.rounds).toFixed(1)} B/round; sampled ${(total / c.rounds).toFixed(1)} B/round`);
for (const [name, bytes] of rows.slice(0, 15)) console.log(`  ${(bytes / c.rounds).toFixed(1).padStart(8)} B/round  ${name}`);
s.disconnect();
