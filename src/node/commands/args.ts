/**
 * Command-line parsing shared by the commands: parseOptions (node:util parseArgs, its errors as
 * ArgumentError), and numeric flags: a bad value throws
 * `--NAME: invalid value: got 'V', expected EXPECTED` (an ArgumentError); an absent one gives the default;
 * and the compute options (--kernels, --workers) of the commands that run a network.
 */
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ArgumentError } from '../../tensor/errors.js';
import { parseKernelsKind, type KernelsKind } from '../../tensor/kernels/kinds.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
/** parseArgs' typed values for `options` (strict, no positionals). */
export type OptionValues<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/**
 * The options of `splitee COMMAND` in argv (node:util parseArgs, strict, no positionals), typed from
 * `options`. What parseArgs refuses (an unknown option, a missing value, a value that starts with '-',
 * a positional argument) becomes an ArgumentError naming the option, never Node's raw TypeError.
 */
export function parseOptions<const O extends OptionsConfig>(command: string, argv: string[], options: O): OptionValues<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) throw err;
    throw new ArgumentError(parseErrorMessage(command, argv, options, code, (err as Error).message));
  }
}

/** The message of parseOptions' ArgumentError for a parseArgs error (code, message). */
function parseErrorMessage(command: string, argv: string[], options: OptionsConfig, code: string, message: string): string {
  const help = `\`splitee ${command} --help\``;
  const quoted = /'([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    const near = nearestOption(quoted, Object.keys(options));
    return `${command}: unknown option: got '${quoted}', expected one of the options of ${help}${near ? `; hint: did you mean --${near}?` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) {
    return `${command}: unexpected argument: got '${quoted}', expected options only (see ${help}); hint: a value follows its option, as in --name VALUE`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && quoted !== undefined) {
    const opt = quoted.split(' ')[0]; // "'--samples <value>' argument missing" names the option with a placeholder
    if (/argument is ambiguous/.test(message)) {
      const i = argv.findIndex((a, k) => a === opt && argv[k + 1]?.startsWith('-'));
      const next = i >= 0 ? argv[i + 1] : undefined;
      if (next !== undefined && isOptionToken(next, options)) {
        return `${opt}: missing value: got the option '${next}' next, expected ${opt} VALUE`;
      }
      const value = next ?? '-VALUE';
      return `${opt}: ambiguous value: got '${value}', expected a value that does not start with '-' after ${opt}; hint: a value starting with '-' is written ${opt}=${value}`;
    }
    if (/argument missing/.test(message)) return `${opt}: missing value: got none, expected ${opt} VALUE`;
    if (/does not take an argument/.test(message)) {
      const given = argv.find((a) => a.startsWith(`${opt}=`)) ?? opt;
      return `${opt}: takes no value: got '${given}', expected ${opt} alone`;
    }
  }
  return `${command}: invalid arguments: got ${JSON.stringify(argv.join(' '))} (${message.split('\n')[0]}), expected the options of ${help}`;
}

/** Whether argv token `a` is one of `options` (--name, --name=V, or a short -x). */
function isOptionToken(a: string, options: OptionsConfig): boolean {
  if (a.startsWith('--')) return Object.prototype.hasOwnProperty.call(options, a.slice(2).split('=')[0]);
  return a.length === 2 && Object.values(options).some((o) => o.short === a[1]);
}

/** The option name closest to an unknown '--name' (edit distance <= 2, or a prefix of it), if any. */
function nearestOption(given: string, names: string[]): string | null {
  const g = given.replace(/^--?/, '').split('=')[0];
  if (g.length < 2) return null;
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const d = n.startsWith(g) ? 1 : editDistance(g, n);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return bestD <= 2 ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * A decimal number: optional sign, digits with an optional fraction (or a bare fraction), optional
 * exponent. Not Number()'s wider syntax: hex / octal / binary (0x10, 0o7, 0b1), 'Infinity', '' and
 * numeric separators are refused, so a flag means what it reads as in decimal.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The number of flag `--name` (value v), or dflt when absent; `check` says which numbers are valid.
 * v must be a decimal number (DECIMAL; surrounding whitespace ignored) that is finite (not '1e400'),
 * whatever `check` says.
 */
export function num(v: string | undefined, name: string, dflt: number, check: (x: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (v === undefined) return dflt;
  const t = v.trim();
  const x = DECIMAL.test(t) ? Number(t) : NaN;
  if (!(Number.isFinite(x) && check(x))) throw new ArgumentError(`--${name}: invalid value: got '${v}', expected ${expected}`);
  return x;
}

/** An integer flag >= min. */
export function int(v: string | undefined, name: string, dflt: number, min: number): number {
  return num(v, name, dflt, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
}

export const nonNeg = (x: number): boolean => Number.isFinite(x) && x >= 0;
export const pos = (x: number): boolean => Number.isFinite(x) && x > 0;

/**
 * The compute options of every command that runs a network: which kernel table (--kernels) and, for
 * the commands that trace, how many worker threads (--workers). One place for their parsing, defaults
 * and usage lines.
 */
export const COMPUTE_OPTIONS = { kernels: { type: 'string' }, workers: { type: 'string' } } as const;

/** Usage lines of an option: `  FLAG` padded to column `col`, then the text lines, each further one indented to `col`. */
function usageLines(flag: string, text: string[], col: number): string {
  return text.map((t, i) => `${i === 0 ? `  ${flag}`.padEnd(col) : ''.padEnd(col)}${t}`).join('\n');
}

/** The usage lines of --kernels, the text at column `col` (23 in most commands' usage). */
export function kernelsUsage(col = 23): string {
  return usageLines('--kernels K', ['auto (default: simd where WebAssembly SIMD validates and compiles,', 'else fast) | simd | fast | reference (the float64 oracle, slow)'], col);
}

/** The usage line of --workers (worker threads of the traces). */
export function workersUsage(col = 23): string {
  return usageLines('--workers N', [`worker threads of the traces (default ${defaultWorkers()}: os.availableParallelism())`], col);
}

/** --kernels: a KernelsKind, default 'auto'. */
export function kernelsFlag(v: string | undefined): KernelsKind {
  return v === undefined ? 'auto' : parseKernelsKind(v, '--kernels');
}

/** The default size of a worker pool: os.availableParallelism(). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** --workers: an integer in [1, 256], default defaultWorkers(). */
export function workersFlag(v: string | undefined): number {
  return num(v, 'workers', defaultWorkers(), (x) => Number.isInteger(x) && x >= 1 && x <= 256, 'an integer in [1, 256]');
}
