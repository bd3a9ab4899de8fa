/**
 * Tables of bench/splitee/layerwise-eval.ts: every cell (stream x cost model x alpha), then per stream
 * and cost model: cells where layerwise's mean reward is strictly above SplitEE-S / the cascade / the
 * best fixed split / all three, the worst gap to the best of the three, regret against the rule oracle,
 * and the front check (each SplitEE-S / cascade point matched by a layerwise point with cost <= 1%
 * higher and accuracy drop <= 0.2 point higher).
 */

export interface EvalRow { stream: string; cost: string; alpha: number; policy: string; reward: number; costPerSample: number; drop: number; regret?: number; regretHalf?: number }

const f = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function group<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

/** Baseline points of `rs` (one stream x cost model) that no layerwise point dominates. */
export function frontMisses(rs: EvalRow[]): string[] {
  const lw = rs.filter((r) => r.policy === 'layerwise');
  const miss: string[] = [];
  for (const [p, tag] of [['splitee-s', 'ss'], ['threshold', 'thr']] as const) {
    for (const q of rs.filter((r) => r.policy === p)) {
      if (lw.some((l) => l.costPerSample <= q.costPerSample * 1.01 + 1e-12 && l.drop <= q.drop + 0.2)) continue;
      miss.push(`${tag}@${q.alpha}`);
    }
  }
  return miss;
}

export function formatEval(rows: EvalRow[]): string {
  const out: string[] = [];
  out.push('| stream | cost | alpha | layerwise | splitee-s | threshold | best fixed | rule oracle | bin oracle | regret T/2 -> T | cost lw / ss / thr | drop lw / ss / thr |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const cells = group(rows, (r) => `${r.stream}|${r.cost}|${r.alpha}`);
  const get = (m: EvalRow[], p: string): EvalRow => m.find((r) => r.policy === p)!;
  for (const [, m] of cells) {
    const [lw, ss, th, bf] = ['layerwise', 'splitee-s', 'threshold', 'best-fixed'].map((p) => get(m, p));
    const win = lw.reward > ss.reward && lw.reward > th.reward && lw.reward > bf.reward;
    out.push(`| ${lw.stream} | ${lw.cost} | ${lw.alpha} | ${f(lw.reward)}${win ? '' : ' **'} | ${f(ss.reward)} | ${f(th.reward)} | ${f(bf.reward)} | ${f(get(m, 'rule-oracle').reward)} | ${f(get(m, 'bin-oracle').reward)} | ${f(lw.regretHalf!, 1)} -> ${f(lw.regret!, 1)} | ${f(lw.costPerSample, 3)} / ${f(ss.costPerSample, 3)} / ${f(th.costPerSample, 3)} | ${f(lw.drop, 2)} / ${f(ss.drop, 2)} / ${f(th.drop, 2)} |`);
  }
  out.push('', '| stream | cost | > SplitEE-S | > cascade | > best fixed | > all three | worst gap to the best baseline (alpha) | cells where a baseline = bin oracle (+-0.0005) | > all three where none is | regret vs rule oracle at T (range) | front misses |');
  out.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [k, rs] of group(rows, (r) => `${r.stream}|${r.cost}`)) {
    const byAlpha = [...group(rs, (r) => String(r.alpha)).values()];
    let [ws, wt, wb, wa, tie, roomWon] = [0, 0, 0, 0, 0, 0];
    let worst = Infinity;
    let where = '';
    const regrets: number[] = [];
    for (const m of byAlpha) {
      const [lw, ss, th, bf, bo] = ['layerwise', 'splitee-s', 'threshold', 'best-fixed', 'bin-oracle'].map((p) => get(m, p));
      ws += +(lw.reward > ss.reward);
      wt += +(lw.reward > th.reward);
      wb += +(lw.reward > bf.reward);
      wa += +(lw.reward > Math.max(ss.reward, th.reward, bf.reward));
      const isTie = Math.max(th.reward, bf.reward) >= bo.reward - 0.0005;
      tie += +isTie;
      roomWon += +(!isTie && lw.reward > Math.max(ss.reward, th.reward, bf.reward));
      const gap = lw.reward - Math.max(ss.reward, th.reward, bf.reward);
      if (gap < worst) [worst, where] = [gap, String(lw.alpha)];
      regrets.push(lw.regret!);
    }
    const miss = frontMisses(rs);
    const n = byAlpha.length;
    out.push(`| ${k.replace('|', ' | ')} | ${ws}/${n} | ${wt}/${n} | ${wb}/${n} | ${wa}/${n} | ${f(worst)} (${where}) | ${tie}/${n} | ${roomWon}/${n - tie} | ${f(Math.min(...regrets), 1)} .. ${f(Math.max(...regrets), 1)} | ${miss.length === 0 ? 'none' : miss.join(', ')} |`);
  }
  return out.join('\n');
}
