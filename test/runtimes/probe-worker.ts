// workerd entry of the probe. GET /?base=URL&cloud=URL&samples=N answers a ProbeResult as JSON;
// GET /forward?base=URL&reps=R runs R passes over the golden batch and answers {inputs}: the caller
// times the request (workerd stops its clocks while a request computes, so only I/O moves them).
import { fetchGolden, goldenParity, loadDemo, type DemoDevice } from '../../src/demo/device.js';
import { probe } from './probe.js';

let cached: Promise<DemoDevice> | null = null; // the model, built once per worker (as a real worker would)
let golden: Promise<Uint8Array> | null = null;

export default {
  async fetch(req: Request): Promise<Response> {
    const u = new URL(req.url);
    const base = u.searchParams.get('base') ?? '';
    try {
      cached ??= loadDemo(base);
      const device = await cached;
      if (u.pathname === '/forward') {
        const reps = Number(u.searchParams.get('reps') ?? '1');
        golden ??= fetchGolden(base);
        const bytes = await golden;
        let inputs = 0;
        for (let r = 0; r < reps; r++) inputs += goldenParity(bytes, device.network).inputs * 2; // warm-up + checked pass
        return Response.json({ inputs });
      }
      const res = await probe(base, u.searchParams.get('cloud') ?? '', Number(u.searchParams.get('samples')), device);
      return Response.json(res);
    } catch (e) {
      return Response.json({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, { status: 500 });
    }
  },
};
