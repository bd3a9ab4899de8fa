/**
 * Trace: the per-exit prediction matrix of a data set, one row per sample (docs/DESIGN.md "Formats").
 *
 *   exit_1_conf,exit_1_pred,...,exit_L_conf,exit_L_pred,label
 *
 * conf = max softmax probability of the exit (in [0, 1]); pred and label are class indices (integers
 * >= 0, integral floats such as pandas' `1.0` accepted); label -1 marks an unlabelled sample (a trace of unlabelled data; replay needs labels to score). The CSV is what pandas writes and reads (`df.to_csv(index=False)`), so traces move freely
 * between this package and the paper's Python tooling. Parsing is strict: every malformed field is an
 * error naming its line and column, never a silently skipped row.
 *
 * Layout: conf and pred are row-major [numRows, numExits]; exit k of row r is at r * numExits + (k - 1).
 */
import { ArgumentError, FormatError } from '../tensor/errors.js';

export interface Trace {
  /** L: the number of exits. */
  readonly numExits: number;
  readonly numRows: number;
  /** [numRows * numExits] confidences, row-major. */
  readonly conf: Float64Array;
  /** [numRows * numExits] predicted classes, row-major. */
  readonly pred: Int32Array;
  /** [numRows] true classes (used only to score accuracy, never by a policy). */
  readonly label: Int32Array;
}

/** The header a trace with `numExits` exits must carry. */
export function traceHeader(numExits: number): string {
  const cols: string[] = [];
  for (let k = 1; k <= numExits; k++) cols.push(`exit_${k}_conf`, `exit_${k}_pred`);
  cols.push('label');
  return cols.join(',');
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A class index: digits, or an integral float as pandas writes an int column holding NaN ('1.0'). */
const INT = /^\d+(?:\.0*)?$/;
const UNLABELLED = /^-1(?:\.0*)?$/;

/** A field as shown in an error: quoted, capped at 40 characters. */
function shown(f: string): string {
  return f.length <= 40 ? `'${f}'` : `'${f.slice(0, 32)}...' (${f.length} chars)`;
}

/**
 * Parses a trace CSV. `source` names the input in error messages (a file name).
 * Accepts LF or CRLF line ends, a UTF-8 BOM and trailing empty lines; nothing else is lenient.
 */
export function parseTrace(text: string, source = 'trace'): Trace {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new FormatError(`${source}: empty input: got no header, expected '${traceHeader(1)}' with one conf/pred pair per exit`);
  const header = lines[0].split(',');
  const numExits = (header.length - 1) / 2;
  if (!Number.isInteger(numExits) || numExits < 1) {
    throw new FormatError(`${source} line 1: wrong header: got ${header.length} columns, expected 2 * L + 1 (exit_k_conf, exit_k_pred for k = 1..L, then label)`);
  }
  const expected = traceHeader(numExits).split(',');
  for (let c = 0; c < expected.length; c++) {
    if (header[c].trim() !== expected[c]) {
      throw new FormatError(`${source} line 1 column ${c + 1}: wrong header: got ${shown(header[c])}, expected '${expected[c]}'`);
    }
  }
  const numRows = lines.length - 1;
  if (numRows === 0) throw new FormatError(`${source}: no data rows: got only the header, expected at least one row`);
  const L = numExits;
  const conf = new Float64Array(numRows * L);
  const pred = new Int32Array(numRows * L);
  const label = new Int32Array(numRows);
  const width = 2 * L + 1;
  for (let r = 0; r < numRows; r++) {
    const lineNo = r + 2;
    const fields = lines[r + 1].split(',');
    if (fields.length !== width) {
      throw new FormatError(`${source} line ${lineNo}: wrong field count: got ${fields.length}, expected ${width} (the header has ${width} columns)`);
    }
    for (let c = 0; c < width; c++) {
      const f = fields[c].trim();
      const where = `${source} line ${lineNo} column ${c + 1} (${expected[c]})`;
      if (c < 2 * L && c % 2 === 0) {
        if (!FLOAT.test(f)) throw new FormatError(`${where}: not a number: got ${shown(fields[c])}, expected a decimal confidence in [0, 1]`);
        const v = Number(f);
        if (!(v >= 0 && v <= 1)) throw new FormatError(`${where}: confidence out of range: got ${f}, expected a value in [0, 1]`);
        conf[r * L + c / 2] = v;
      } else {
        if (c === 2 * L && UNLABELLED.test(f)) {
          label[r] = -1;
          continue;
        }
        if (!INT.test(f)) throw new FormatError(`${where}: not a class index: got ${shown(fields[c])}, expected an integer >= 0${c === 2 * L ? ' (or -1: unlabelled)' : ''}`);
        const v = Number(f);
        if (v > 0x7fffffff) throw new FormatError(`${where}: class index too large: got ${shown(f)}, expected at most ${0x7fffffff}`);
        if (c === 2 * L) label[r] = v;
        else pred[r * L + (c - 1) / 2] = v;
      }
    }
  }
  return { numExits, numRows, conf, pred, label };
}

/** Formats a trace as CSV (shortest round-trip decimals, so parse(format(t)) is exact). */
export function formatTrace(trace: Trace): string {
  validateTrace(trace, 'formatTrace');
  const L = trace.numExits;
  const out: string[] = [traceHeader(L)];
  const fields: string[] = new Array(2 * L + 1);
  for (let r = 0; r < trace.numRows; r++) {
    for (let k = 0; k < L; k++) {
      fields[2 * k] = String(trace.conf[r * L + k]);
      fields[2 * k + 1] = String(trace.pred[r * L + k]);
    }
    fields[2 * L] = String(trace.label[r]);
    out.push(fields.join(','));
  }
  return out.join('\n') + '\n';
}

/** Throws unless every row has a label (>= 0): scoring a policy needs them, choosing a split does not. */
export function requireLabels(trace: Trace, where: string): void {
  let missing = 0;
  for (let r = 0; r < trace.numRows; r++) if (trace.label[r] < 0) missing++;
  if (missing > 0) {
    throw new ArgumentError(`${where}: trace has unlabelled rows: got ${missing} of ${trace.numRows} rows labelled -1, expected a label on every row; trace labelled data (splitee trace --labels FILE)`);
  }
}

/** Checks a Trace built in code (not parsed): sizes agree and every confidence is in [0, 1]. */
export function validateTrace(trace: Trace, where = 'trace'): void {
  const { numExits: L, numRows: N } = trace;
  if (!Number.isInteger(L) || L < 1) throw new ArgumentError(`${where}: invalid numExits: got ${L}, expected an integer >= 1`);
  if (!Number.isInteger(N) || N < 1) throw new ArgumentError(`${where}: invalid numRows: got ${N}, expected an integer >= 1`);
  if (trace.conf.length !== N * L || trace.pred.length !== N * L || trace.label.length !== N) {
    throw new ArgumentError(`${where}: array sizes disagree: got conf ${trace.conf.length}, pred ${trace.pred.length}, label ${trace.label.length}, expected ${N * L}, ${N * L}, ${N}`);
  }
  for (let i = 0; i < trace.conf.length; i++) {
    const v = trace.conf[i];
    if (!(v >= 0 && v <= 1)) throw new ArgumentError(`${where}: confidence of row ${Math.floor(i / L) + 1} exit ${(i % L) + 1} out of range: got ${v}, expected a value in [0, 1]`);
  }
}
