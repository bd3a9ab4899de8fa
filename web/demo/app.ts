/**
 * The demo page (bundled by scripts/build-web.mjs into dist/web/demo/app.js; no inline script, the
 * page runs under `script-src 'self'`). The device side is src/demo/device.ts: the model is built
 * from the bytes the page fetches, checked against PyTorch's golden logits, then the stream is split
 * live between this page and the cloud, one round per animation frame.
 *
 * Query: ?samples=N plays the first N samples of the stream (default: the server's).
 * For tests, #state holds the totals as JSON and <html data-state> is loading | running | done | error.
 */
import { DemoSession, fetchGolden, goldenParity, loadDemo, type DemoRound, type DemoTotals } from '../../src/demo/device.js';

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo page: #${id} missing`);
  return el;
};
const text = (id: string, s: string): void => {
  $(id).textContent = s;
};

function setState(state: string, extra: Record<string, unknown> = {}): void {
  document.documentElement.dataset.state = state;
  const out = $('state');
  const prev = out.textContent ? (JSON.parse(out.textContent) as Record<string, unknown>) : {};
  out.textContent = JSON.stringify({ ...prev, ...extra, state });
}

function drawSample(pixels: Float32Array, w: number, h: number): void {
  const canvas = $('sample') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = Math.max(0, Math.min(255, Math.round(pixels[i] * 255)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function drawHistogram(splits: number[], current: number): void {
  const canvas = $('histogram') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const L = splits.length - 1;
  const max = Math.max(1, ...splits);
  const bw = (W - 20) / L;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (let i = 1; i <= L; i++) {
    const bh = ((H - 40) * splits[i]) / max;
    const x = 10 + (i - 1) * bw;
    ctx.fillStyle = i === current ? '#d97706' : '#2f6fde';
    ctx.fillRect(x + 3, H - 20 - bh, bw - 6, bh);
    ctx.fillStyle = '#6b7385';
    ctx.fillText(String(i), x + bw / 2, H - 5);
    if (splits[i] > 0) ctx.fillText(String(splits[i]), x + bw / 2, H - 24 - bh);
  }
}

const pct = (a: number, n: number): string => (n === 0 ? '–' : `${((100 * a) / n).toFixed(1)}%`);

function showRound(r: DemoRound, t: DemoTotals, classes: string[], w: number, h: number, total: number): void {
  const rec = r.record;
  drawSample(r.pixels, w, h);
  drawHistogram(t.splits, rec.split);
  const name = (k: number | null): string => (k === null ? '?' : (classes[k] ?? String(k)));
  text('round', `${rec.t} / ${total}`);
  text('verdict', `predicted ${name(rec.prediction)} · label ${name(rec.label)}${rec.prediction === rec.label ? ' ✓' : ' ✗'}`);
  const o = $('outcome');
  o.className = `outcome ${rec.outcome === 'final' ? 'exit' : rec.outcome}`;
  o.textContent =
    rec.outcome === 'offload'
      ? `split ${rec.split}: offloaded (C${rec.split} = ${rec.confidences[rec.split - 1]?.toFixed(2)}), cloud answered in ${rec.cloudMs.toFixed(1)} ms`
      : rec.outcome === 'fallback'
        ? `split ${rec.split}: cloud failed, finished on the device`
        : `split ${rec.split}: exit on the device (C = ${rec.confidences[rec.split - 1]?.toFixed(2)})`;
  text('acc', pct(t.correct, t.rounds));
  text('acc-final', pct(t.finalCorrect, t.rounds));
  text('cost', `${t.cost.toFixed(1)} (${t.finalCost > 0 ? `${(100 * (1 - t.cost / t.finalCost)).toFixed(0)}% less` : '–'})`);
  text('cost-final', t.finalCost.toFixed(1));
  text('exits', String(t.exits));
  text('offloads', String(t.offloads));
  text('fallbacks', String(t.fallbacks));
  text('bytes', `${(t.bytesSent / 1024).toFixed(0)} KiB`);
  text('ms', (t.deviceMs / t.rounds).toFixed(1));
  if (t.lastError !== null) text('error', t.lastError);
}

const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

async function main(): Promise<void> {
  setState('loading');
  const base = location.origin;
  const device = await loadDemo(base);
  const s = device.settings;
  const cloud = s.cloud === '' ? base : s.cloud;
  text('model', `${s.model.id} (sha256 ${s.model.hash.slice(0, 12)}…), ${device.network.numStages} exits, ${(device.weightBytes / 1e6).toFixed(2)} MB of weights built in ${device.buildMs.toFixed(0)} ms; cloud ${cloud}`);
  text('policy', `policy ${s.policy}, alpha ${s.alpha}, lambda ${s.lambda}, offload cost ${s.offload}; stream: ${s.distortion}, seed ${s.seed}`);
  const parity = goldenParity(await fetchGolden(base), device.network);
  text('parity', `golden parity with PyTorch: max |page − PyTorch| = ${parity.maxDiff.toExponential(1)} over ${parity.inputs} inputs × ${parity.perExit.length} exits, argmax ${parity.argmaxAgree ? 'identical' : 'DIFFERS'}`);
  const q = new URLSearchParams(location.search).get('samples');
  const session = new DemoSession(device, cloud, { samples: q === null ? undefined : Number(q) });
  setState('running', { parity, length: session.length, cloud });
  text('status', `running: the device side runs in this page, offloads go to ${cloud}`);
  let paused = false;
  const btn = $('pause');
  btn.addEventListener('click', () => {
    paused = !paused;
    btn.textContent = paused ? 'resume' : 'pause';
  });
  while (!session.done) {
    while (paused) await new Promise((r) => setTimeout(r, 100));
    const r = await session.step();
    showRound(r, session.totalsNow(), s.classes, device.width, device.height, session.length);
    await nextFrame();
  }
  const totals = session.totalsNow();
  setState('done', { totals });
  text('status', `done: ${totals.rounds} samples, ${totals.offloads} offloads, ${totals.fallbacks} fallbacks`);
}

main().catch((e: unknown) => {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  text('status', `error: ${msg}`);
  setState('error', { error: msg });
});
