// Command-line parsing: parseOptions (parseArgs' refusals as one clean ArgumentError, in every
// command); numeric flags: defaults when absent, exact parsing when valid, and one ArgumentError
// of the documented form for every invalid value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { defaultWorkers, int, kernelsFlag, kernelsUsage, nonNeg, num, parseOptions, pos, workersFlag, workersUsage } from '../../../src/node/commands/args.js';
import { availableParallelism } from 'node:os';
import { main } from '../../../src/node/cli.js';
import { ArgumentError } from '../../../src/tensor/errors.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const rejects = (f: () => unknown, name: string, v: string, expected: string): void =>
  assert.throws(f, (e: unknown) => e instanceof ArgumentError && e.message === `--${name}: invalid value: got '${v}', expected ${expected}`, `${name}=${JSON.stringify(v)}`);

test('num: absent gives the default (unchecked), present parses as a Number', () => {
  assert.is(num(undefined, 'alpha', 0.8), 0.8);
  assert.ok(Number.isNaN(num(undefined, 'alpha', NaN, pos))); // the default is the caller's, not validated
  assert.is(num('0.25', 'alpha', 0.8), 0.25);
  assert.is(num(' 3 ', 'x', 0), 3);
  assert.is(num('1e-3', 'x', 0), 0.001);
  assert.is(num('-2', 'x', 0), -2);
  rejects(() => num('0x10', 'x', 0), 'x', '0x10', 'a finite number'); // decimal only, not Number()'s syntax
  assert.is(num('+1.5E2', 'x', 0), 150);
  assert.is(num('.5', 'x', 0), 0.5);
  assert.is(num('5.', 'x', 0), 5);
});

test("num: only decimal numbers, none of Number()'s other syntax", () => {
  for (const v of ['0x10', '0X1f', '0o17', '0b101', '-0x10', '1_000', '1e', 'e3', '.', '+', '--1', '1e+', '1 000', '٣', '\u00a0']) {
    rejects(() => num(v, 'alpha', 0.8), 'alpha', v, 'a finite number');
  }
  // integer flags too: --runs 0x10 was 16 runs
  rejects(() => int('0x10', 'runs', 10, 1), 'runs', '0x10', 'an integer >= 1');
  rejects(() => int('0b11', 'runs', 10, 1), 'runs', '0b11', 'an integer >= 1');
  assert.is(int('1e3', 'runs', 10, 1), 1000);
  assert.is(int('+7', 'runs', 10, 1), 7);
  // a custom check never sees a non-finite number: '1e400' overflows to Infinity
  rejects(() => num('1e400', 'bandwidth', 10, (y) => y > 0, 'Mbit/s > 0'), 'bandwidth', '1e400', 'Mbit/s > 0');
  rejects(() => num('-1e400', 'rtt', 20, (y) => y <= 0, 'ms <= 0'), 'rtt', '-1e400', 'ms <= 0');
});

test('num: empty, blank, non-numeric and non-finite values raise ArgumentError', () => {
  for (const v of ['', '   ', 'abc', '1,5', '0.5s', 'NaN', 'Infinity', '-Infinity', '1e400']) rejects(() => num(v, 'alpha', 0.8), 'alpha', v, 'a finite number');
});

test('num with a check: nonNeg and pos, with the caller-given expectation', () => {
  assert.is(num('0', 'mu', 1, nonNeg, 'a number >= 0'), 0);
  rejects(() => num('-0.1', 'mu', 1, nonNeg, 'a number >= 0'), 'mu', '-0.1', 'a number >= 0');
  assert.is(num('0.5', 'bw', 1, pos, 'a number > 0'), 0.5);
  rejects(() => num('0', 'bw', 1, pos, 'a number > 0'), 'bw', '0', 'a number > 0');
  rejects(() => num('Infinity', 'bw', 1, pos, 'a number > 0'), 'bw', 'Infinity', 'a number > 0');
  assert.equal([nonNeg(0), nonNeg(-1e-300), nonNeg(NaN), nonNeg(Infinity)], [true, false, false, false]);
  assert.equal([pos(1e-300), pos(0), pos(-1), pos(NaN), pos(Infinity)], [true, false, false, false, false]);
});

test('int: integers >= min only', () => {
  assert.is(int(undefined, 'runs', 10, 1), 10);
  assert.is(int('3', 'runs', 10, 1), 3);
  assert.is(int('0', 'seed', 1, 0), 0);
  assert.is(int('-5', 'k', 0, -5), -5);
  for (const v of ['0', '2.5', '', 'x', '-1', 'Infinity']) rejects(() => int(v, 'runs', 10, 1), 'runs', v, 'an integer >= 1');
});

test('property: num accepts exactly the finite numbers, and returns the one written', () => {
  fc.assert(
    fc.property(fc.double({ noNaN: false }), (x) => {
      const v = String(x);
      if (Number.isFinite(x)) assert.is(num(v, 'x', 0), x);
      else rejects(() => num(v, 'x', 0), 'x', v, 'a finite number');
    }),
    { seed: 61, numRuns: 300 },
  );
  const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^ ?[+-]?(0[xob])?[0-9a-f_.eE+-]{0,8} ?$/)), (v) => {
      const x = Number(v);
      try {
        assert.is(num(v, 'x', 0), x);
        assert.ok(Number.isFinite(x));
        assert.match(v.trim(), decimal); // accepted: a decimal number, read as Number() reads it
      } catch (e) {
        assert.ok(e instanceof ArgumentError, String(e));
        assert.match((e as Error).message, new RegExp(`^--x: invalid value: got '${escape(v)}', expected a finite number$`));
        assert.ok(!(decimal.test(v.trim()) && Number.isFinite(x)), `refused a finite decimal: ${JSON.stringify(v)}`);
      }
    }),
    { seed: 62, numRuns: 1000 },
  );
});

const OPTS = { samples: { type: 'string' }, lambda: { type: 'string' }, model: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** The ArgumentError message parseOptions throws for argv. */
function refusal(argv: string[]): string {
  try {
    parseOptions('run', argv, OPTS);
  } catch (e) {
    assert.ok(e instanceof ArgumentError, `not an ArgumentError: ${String(e)}`);
    return (e as Error).message;
  }
  assert.unreachable(`accepted ${JSON.stringify(argv)}`);
  return '';
}

test('parseOptions: typed values, strict', () => {
  const v = parseOptions('run', ['--samples', '5', '--json', '--model', 'a', '--model', 'b', '--lambda=-1', '-h'], OPTS);
  const samples: string | undefined = v.samples; // the types follow the options table
  const json: boolean | undefined = v.json;
  const models: string[] | undefined = v.model;
  assert.equal([samples, json, models, v.lambda, v.help], ['5', true, ['a', 'b'], '-1', true]);
  assert.equal({ ...parseOptions('run', [], OPTS) }, {});
});

test('parseOptions: what parseArgs refuses is one ArgumentError naming the option', () => {
  assert.is(refusal(['--bogus']), "run: unknown option: got '--bogus', expected one of the options of `splitee run --help`");
  assert.is(refusal(['--sample', '3']), "run: unknown option: got '--sample', expected one of the options of `splitee run --help`; hint: did you mean --samples?");
  assert.is(refusal(['-x']), "run: unknown option: got '-x', expected one of the options of `splitee run --help`");
  assert.is(refusal(['--samples', '-3']), "--samples: ambiguous value: got '-3', expected a value that does not start with '-' after --samples; hint: a value starting with '-' is written --samples=-3");
  assert.is(refusal(['--samples', '5', '--lambda', '-1e3']), "--lambda: ambiguous value: got '-1e3', expected a value that does not start with '-' after --lambda; hint: a value starting with '-' is written --lambda=-1e3");
  assert.is(refusal(['--samples', '--json']), "--samples: missing value: got the option '--json' next, expected --samples VALUE");
  assert.is(refusal(['--samples', '-h']), "--samples: missing value: got the option '-h' next, expected --samples VALUE");
  assert.is(refusal(['--samples']), '--samples: missing value: got none, expected --samples VALUE');
  assert.is(refusal(['--json=yes']), "--json: takes no value: got '--json=yes', expected --json alone");
  assert.is(refusal(['5']), "run: unexpected argument: got '5', expected options only (see `splitee run --help`); hint: a value follows its option, as in --name VALUE");
  // the hint's spelling is accepted, and the value then meets the flag's own check
  assert.is(parseOptions('run', ['--samples=-3'], OPTS).samples, '-3');
  assert.throws(() => int(parseOptions('run', ['--samples=-3'], OPTS).samples, 'samples', 10, 1), /^--samples: invalid value: got '-3', expected an integer >= 1$/);
});

const COMMANDS = ['run', 'claims', 'replay', 'sweep', 'serve', 'trace'] as const;

test('every command: an unknown option is the clean ArgumentError, before anything runs', async () => {
  for (const name of COMMANDS) {
    const mod = (await import(`../../../src/node/commands/${name}.js`)) as { run(argv: string[]): Promise<number> };
    try {
      await mod.run(['--bogus']);
      assert.unreachable(`${name} accepted --bogus`);
    } catch (e) {
      assert.ok(e instanceof ArgumentError, `${name}: ${String(e)}`);
      assert.is((e as Error).message, `${name}: unknown option: got '--bogus', expected one of the options of \`splitee ${name} --help\``);
    }
  }
});

test('the CLI: unknown options and negative values print one line, exit code 1, no stack', async () => {
  const error = console.error;
  const cases: [string[], string][] = [
    ...COMMANDS.map((c): [string[], string] => [[c, '--bogus'], `splitee ${c}: unknown option: got '--bogus', expected one of the options of \`splitee ${c} --help\`\n`]),
    [['run', '--samples', '-3'], "splitee run: --samples: ambiguous value: got '-3', expected a value that does not start with '-' after --samples; hint: a value starting with '-' is written --samples=-3\n"],
    [['run', '--lambda', '-1'], "splitee run: --lambda: ambiguous value: got '-1', expected a value that does not start with '-' after --lambda; hint: a value starting with '-' is written --lambda=-1\n"],
    [['sweep', '--offloads', '-0.5'], "splitee sweep: --offloads: ambiguous value: got '-0.5', expected a value that does not start with '-' after --offloads; hint: a value starting with '-' is written --offloads=-0.5\n"],
    [['run', '--samples=-3'], "splitee run: --samples: invalid value: got '-3', expected an integer >= 1\n"],
  ];
  for (const [argv, want] of cases) {
    let err = '';
    console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
    try {
      assert.is(await main(argv), 1, argv.join(' '));
    } finally {
      console.error = error;
    }
    assert.is(err, want);
  }
});

test('kernelsFlag / workersFlag: defaults auto and os.availableParallelism(); bad values name the flag', () => {
  assert.is(kernelsFlag(undefined), 'auto');
  for (const k of ['auto', 'simd', 'fast', 'reference'] as const) assert.is(kernelsFlag(k), k);
  assert.throws(() => kernelsFlag('wasm'), (e: unknown) => e instanceof ArgumentError && /^--kernels: unknown kernels: got 'wasm', expected one of auto\|simd\|fast\|reference$/.test((e as Error).message));
  assert.is(defaultWorkers(), Math.max(1, availableParallelism()));
  assert.is(workersFlag(undefined), defaultWorkers());
  assert.is(workersFlag('3'), 3);
  for (const bad of ['0', '1.5', '257', 'two']) assert.throws(() => workersFlag(bad), (e: unknown) => e instanceof ArgumentError && (e as Error).message.startsWith(`--workers: invalid value: got '${bad}'`));
});

test('kernelsUsage / workersUsage: the option at column 2, its text at the given column', () => {
  for (const col of [23, 27]) {
    const lines = [...kernelsUsage(col).split('\n'), ...workersUsage(col).split('\n')];
    assert.ok(lines[0].startsWith('  --kernels K ') && lines[2].startsWith('  --workers N '), lines.join('\n'));
    for (const l of lines) assert.ok(l.length > col && l[col - 1] === ' ' && l[col] !== ' ', `column ${col}: ${l}`);
  }
});

test.run();
