/**
 * The sliding window of `layerwise` (window > 0): the last W rounds' observations (C_1..C_stop and C_L
 * or -1 when not observed), kept so that the round falling out of the window can be subtracted from the
 * statistics. Flat typed arrays, no allocation per round.
 *
 * Layouts: conf[slot * L + i - 1] = C_i (i <= stop[slot]); cl[slot] = C_L, or -1 (exited), -2 (C_L not
 * observed); snapshots from before -2 hold -1 for both.
 */
import { FormatError } from '../../tensor/errors.js';

export class ObservationWindow {
  readonly size: number;
  private readonly L: number;
  readonly conf: Float64Array;
  readonly stop: Int32Array;
  readonly cl: Float64Array;
  /** Next slot to write; rounds held (<= size). */
  head = 0;
  count = 0;

  constructor(size: number, L: number) {
    this.size = size;
    this.L = L;
    this.conf = new Float64Array(size * L);
    this.stop = new Int32Array(size);
    this.cl = new Float64Array(size);
  }

  /** The slot the next push overwrites when the window is full (the oldest round), or -1. */
  evictable(): number {
    return this.count === this.size ? this.head : -1;
  }

  push(confidences: ArrayLike<number>, stop: number, cl: number): void {
    const base = this.head * this.L;
    for (let i = 0; i < stop; i++) this.conf[base + i] = confidences[i];
    for (let i = stop; i < this.L; i++) this.conf[base + i] = 0;
    this.stop[this.head] = stop;
    this.cl[this.head] = cl;
    this.head = (this.head + 1) % this.size;
    if (this.count < this.size) this.count++;
  }

  toJSON(): Record<string, number[] | number> {
    return { winConf: Array.from(this.conf), winStop: Array.from(this.stop), winCl: Array.from(this.cl), winHead: this.head, winCount: this.count };
  }

  load(st: Record<string, unknown>, who: string): void {
    for (const [k, dst] of [['winConf', this.conf], ['winStop', this.stop], ['winCl', this.cl]] as const) {
      const src = st[k];
      if (!Array.isArray(src) || src.length !== dst.length) throw new FormatError(`${who}: bad snapshot field ${k}: got ${Array.isArray(src) ? `${src.length} values` : typeof src}, expected ${dst.length} values`);
      dst.set(src as number[]);
    }
    const h = Number(st.winHead);
    const c = Number(st.winCount);
    if (!(Number.isInteger(h) && h >= 0 && h < this.size && Number.isInteger(c) && c >= 0 && c <= this.size)) throw new FormatError(`${who}: bad snapshot window: got head ${h}, count ${c}, expected integers in [0, ${this.size})`);
    this.head = h;
    this.count = c;
  }
}
