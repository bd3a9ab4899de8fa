/**
 * Small, dependency-free SVG line charts for reports (sweeps, live runs). Deterministic output (same
 * input, same bytes), so charts can be committed and diffed. One chart: axes with "nice" ticks, one
 * polyline (with point markers when sparse) per series, a legend, a title.
 *
 * (vega + vega-lite would do this too, but they are not installed and their expression parser uses
 * new Function unless configured with vega-interpreter; a hundred lines of SVG is simpler.)
 */

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** SVG width in px with short legend names (default 640); long names widen it. */
  width?: number;
  height?: number;
  /** Force the y axis to include 0 (default false). */
  yZero?: boolean;
}

/** Tableau 10: distinct, colour-blind-friendly enough, readable on white. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Ticks at 1, 2 or 5 times a power of ten covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [0, 1];
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Margins around the plot area; the right one holds the legend and grows with its longest name,
 *  so a long series name widens the SVG instead of running off its edge. */
function frame(width: number | undefined, names: readonly string[]): { W: number; m: { l: number; r: number; t: number; b: number } } {
  const longest = names.reduce((n, s) => Math.max(n, s.length), 0);
  const m = { l: 64, r: Math.max(160, 48 + Math.ceil(7 * longest)), t: 36, b: 48 };
  return { W: (width ?? 640) - 160 + m.r, m };
}

/** The SVG element, white background, centred title and the horizontal y grid with its labels. */
function openChart(out: string[], W: number, H: number, m: { l: number }, pw: number, title: string, yt: readonly number[], sy: (v: number) => number): void {
  const r2 = (v: number): string => v.toFixed(2);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  for (const v of yt) {
    out.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${r2(sy(v))}" y2="${r2(sy(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.l - 6}" y="${r2(sy(v) + 4)}" text-anchor="end">${fmt(v)}</text>`);
  }
}

export function lineChart(spec: ChartSpec): string {
  const { W, m } = frame(spec.width, spec.series.map((s) => s.name));
  const H = spec.height ?? 400;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = spec.yZero ? 0 : Infinity;
  let ymax = spec.yZero ? 0 : -Infinity;
  for (const s of spec.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.x[i]) || !Number.isFinite(s.y[i])) continue;
      xmin = Math.min(xmin, s.x[i]);
      xmax = Math.max(xmax, s.x[i]);
      ymin = Math.min(ymin, s.y[i]);
      ymax = Math.max(ymax, s.y[i]);
    }
  }
  if (xmin > xmax) [xmin, xmax, ymin, ymax] = [0, 1, 0, 1];
  const xt = niceTicks(xmin, xmax);
  const yt = niceTicks(ymin, ymax);
  const x0 = xt[0];
  const x1 = xt[xt.length - 1];
  const y0 = yt[0];
  const y1 = yt[yt.length - 1];
  const sx = (v: number): number => m.l + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number): number => m.t + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const r2 = (v: number): string => v.toFixed(2);
  const out: string[] = [];
  openChart(out, W, H, m, pw, spec.title, yt, sy);
  for (const v of xt) {
    out.push(`<line x1="${r2(sx(v))}" x2="${r2(sx(v))}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${r2(sx(v))}" y="${m.t + ph + 18}" text-anchor="middle">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const pts: string[] = [];
    for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i])) pts.push(`${r2(sx(s.x[i]))},${r2(sy(s.y[i]))}`);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${pts.join(' ')}"><title>${escapeXml(s.name)}</title></polyline>`);
    if (pts.length <= 30) for (const p of pts) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${color}"/>`);
    const ly = m.t + 8 + k * 18;
    out.push(`<line x1="${m.l + pw + 12}" x2="${m.l + pw + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${m.l + pw + 42}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface BarSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Category labels, one per bar group. */
  categories: string[];
  /** One or more series of values (grouped bars), each as long as `categories`. */
  series: { name: string; values: ArrayLike<number> }[];
  width?: number;
  height?: number;
}

/** A grouped bar chart (e.g. a split histogram: rounds per split), same style as lineChart. */
export function barChart(spec: BarSpec): string {
  const { W, m } = frame(spec.width, spec.series.map((s) => s.name));
  const H = spec.height ?? 400;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  let ymax = 0;
  for (const s of spec.series) for (let i = 0; i < s.values.length; i++) if (Number.isFinite(s.values[i])) ymax = Math.max(ymax, s.values[i]);
  const yt = niceTicks(0, ymax > 0 ? ymax : 1);
  const y1 = yt[yt.length - 1];
  const sy = (v: number): number => m.t + ph - (v / (y1 || 1)) * ph;
  const r2 = (v: number): string => v.toFixed(2);
  const n = Math.max(1, spec.categories.length);
  const gw = pw / n;
  const bw = (gw * 0.8) / Math.max(1, spec.series.length);
  const out: string[] = [];
  openChart(out, W, H, m, pw, spec.title, yt, sy);
  spec.categories.forEach((c, i) => {
    out.push(`<text x="${r2(m.l + gw * (i + 0.5))}" y="${m.t + ph + 18}" text-anchor="middle">${escapeXml(c)}</text>`);
  });
  spec.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    for (let i = 0; i < spec.categories.length; i++) {
      const v = s.values[i];
      if (!(Number.isFinite(v) && v > 0)) continue;
      const x = m.l + gw * i + gw * 0.1 + k * bw;
      out.push(`<rect x="${r2(x)}" y="${r2(sy(v))}" width="${r2(bw)}" height="${r2(sy(0) - sy(v))}" fill="${color}"><title>${escapeXml(`${s.name} ${spec.categories[i]}: ${fmt(v)}`)}</title></rect>`);
    }
    const ly = m.t + 8 + k * 18;
    out.push(`<rect x="${m.l + pw + 12}" y="${ly - 6}" width="24" height="12" fill="${color}"/>`);
    out.push(`<text x="${m.l + pw + 42}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
