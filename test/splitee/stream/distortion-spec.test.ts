// Distortion specs: parseDistortion and distortionSettingsFromConfig on arbitrary (mostly malformed)
// input either return a well-formed value or throw their own typed error (ArgumentError for specs,
// ConfigError for configs), never garbage; format/parse round-trips.
// (test/splitee/stream/distortions.test.ts pins the individual messages.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  CLEAN_DISTORTION,
  DEFAULT_DISTORTION_SETTINGS,
  DISTORTION_NAMES,
  SEVERITY_TABLES,
  distortionSettingsFromConfig,
  formatDistortion,
  parseDistortion,
  type Distortion,
  type DistortionSettings,
} from '../../../src/splitee/stream/distortion-spec.js';
import { ArgumentError, ConfigError } from '../../../src/tensor/errors.js';

const isErr = (cls: Function, re: RegExp) => (e: unknown) => e instanceof cls && re.test((e as Error).message);

/** A parse result is well formed: none, or a known name, a severity in its table, and that table's value. */
function checkDistortion(d: Distortion, settings: DistortionSettings): void {
  assert.ok(Object.isFrozen(d));
  if (d.name === 'none') {
    assert.equal(d, { name: 'none' });
    return;
  }
  assert.ok((DISTORTION_NAMES as readonly string[]).includes(d.name), d.name);
  const table = settings.tables[d.name];
  assert.ok(Number.isInteger(d.severity) && d.severity >= 1 && d.severity <= table.length, `severity ${d.severity}`);
  assert.is(d.param, table[d.severity - 1]);
  assert.equal(parseDistortion(formatDistortion(d), settings), d);
}

/** Strings near the grammar: names, near-names, separators, numbers, 'deploy', whitespace. */
const tokenArb = fc.oneof(
  fc.constantFrom(...DISTORTION_NAMES, 'none', 'clean', 'deploy', 'deployment', 'Gaussian-Noise', 'blur', 'fog', ''),
  fc.constantFrom(':', '::', ' ', '\t', '\n', '-', '+', '.', 'e', '0x'),
  fc.integer({ min: -3, max: 12 }).map(String),
  fc.constantFrom('1.0', '01', '1e0', '٣', 'Infinity', 'NaN', '99999999999999999999'),
  fc.string({ maxLength: 4 }),
);
const ws = fc.constantFrom('', '', ' ', '\t', ' \n');
const nearSpecArb = fc
  .tuple(ws, fc.constantFrom(...DISTORTION_NAMES, 'none', 'clean', 'fog'), fc.constantFrom(':', ':', ':', '', '::'), fc.oneof(fc.integer({ min: -1, max: 7 }).map(String), tokenArb), ws)
  .map((t) => t.join(''));
const specArb = fc.oneof(nearSpecArb, fc.array(tokenArb, { maxLength: 5 }).map((t) => t.join('')), fc.string({ maxLength: 30 }));

test('property: a spec parses to a well-formed distortion or throws ArgumentError, nothing else', () => {
  let parsed = 0;
  let rejected = 0;
  fc.assert(
    fc.property(specArb, (spec) => {
      let d: Distortion;
      try {
        d = parseDistortion(spec);
      } catch (e) {
        assert.ok(e instanceof ArgumentError, `${JSON.stringify(spec)} threw ${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, /^parseDistortion: [^:]+: got [^]*, expected /);
        rejected++;
        return;
      }
      parsed++;
      checkDistortion(d, DEFAULT_DISTORTION_SETTINGS);
      // only "none", "clean" or NAME:SEVERITY in canonical decimal (no sign, no leading zero;
      // surrounding whitespace ignored) are accepted
      const s = spec.trim();
      if (d.name === 'none') assert.ok(s === 'none' || s === 'clean', spec);
      else assert.is(s, `${d.name}:${d.severity}`);
    }),
    { seed: 51, numRuns: 2000 },
  );
  // the generator exercises both sides
  assert.ok(parsed > 20 && rejected > 200, `parsed ${parsed}, rejected ${rejected}`);
});

test('every name at every severity of its table, and format inverts parse', () => {
  for (const name of DISTORTION_NAMES) {
    SEVERITY_TABLES[name].forEach((p, i) => {
      const d = parseDistortion(`${name}:${i + 1}`);
      assert.equal(d, { name, severity: i + 1, param: p });
      assert.is(formatDistortion(d), `${name}:${i + 1}`);
    });
  }
  assert.is(parseDistortion('none'), CLEAN_DISTORTION);
  assert.is(formatDistortion(CLEAN_DISTORTION), 'none');
});

test('malformed specs, one typed error each', () => {
  const cases: [unknown, RegExp][] = [
    [3, /^parseDistortion: spec is not a string: got 3, expected 'NAME:SEVERITY' or 'none'$/],
    [null, /spec is not a string: got null/],
    ['', /^parseDistortion: unknown distortion: got '', expected one of none, clean, gaussian-noise/],
    [':2', /unknown distortion: got ''/],
    ['none:1', /^parseDistortion: 'none' takes no severity: got 'none:1', expected 'none' alone$/],
    ['clean:deploy', /^parseDistortion: 'clean' takes no severity: got 'clean:deploy', expected 'clean' alone$/],
    ['gaussian-noise :2', /unknown distortion: got 'gaussian-noise '/],
    ['contrast:1:2', /unknown distortion: got 'contrast:1'/],
    ['occlusion', /^parseDistortion: missing severity: got 'occlusion', expected 'occlusion:S' with S in 1\.\.5 or 'occlusion:deploy'$/],
    ['rotation:-1', /^parseDistortion: severity out of range for rotation: got '-1', expected an integer in 1\.\.5$/],
    ['rotation:+1', /got '\+1'/],
    ['rotation: 1', /got ' 1'/],
    ['rotation:1e0', /got '1e0'/],
    ['rotation:0x1', /got '0x1'/],
    ['rotation:99999999999999999999', /got '99999999999999999999'/],
    ['rotation:02', /^parseDistortion: severity out of range for rotation: got '02', expected an integer in 1\.\.5$/],
    ['contrast:001', /got '001'/],
    ['occlusion:0', /got '0'/],
    ['occlusion:00', /got '00'/],
    ['rotation:deploy', /^parseDistortion: no deployment severity for rotation: got 'rotation:deploy', expected a number 1\.\.5; hint: /],
  ];
  for (const [spec, re] of cases) assert.throws(() => parseDistortion(spec as string), isErr(ArgumentError, re), JSON.stringify(spec));
});

test("parseDistortion NAME:deploy without one: the hint says which the settings have, not a function name when they have some", () => {
  const some = distortionSettingsFromConfig({ distortions: { contrast: { severities: [0.7, 0.5], deployment: 2 }, brightness: { severities: [0.1], deployment: 1 } } });
  assert.throws(() => parseDistortion('rotation:deploy', some), isErr(ArgumentError, /^parseDistortion: no deployment severity for rotation: got 'rotation:deploy', expected a number 1\.\.5; hint: the settings give one only for contrast \(2\), brightness \(1\)$/));
  assert.throws(() => parseDistortion('rotation:deploy'), isErr(ArgumentError, /; hint: the settings give none; a model config's come from distortionSettingsFromConfig$/));
});

/** Arbitrary "distortions" entries: valid-looking tables, broken tables, and any JSON. */
const entryArb = fc.oneof(
  fc.array(fc.double({ min: -1, max: 40, noNaN: true }), { maxLength: 6 }),
  fc.array(fc.integer({ min: -1, max: 20 }), { maxLength: 6 }),
  fc.record({ severities: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 6 }), deployment: fc.option(fc.integer({ min: -1, max: 7 }), { nil: undefined }) }, { requiredKeys: ['severities'] }),
  fc.jsonValue({ maxDepth: 2 }),
);
const distortionsArb = fc.oneof(
  fc.dictionary(fc.constantFrom(...DISTORTION_NAMES), entryArb, { maxKeys: 4 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...DISTORTION_NAMES), fc.string({ maxLength: 8 })), entryArb, { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

test('property: a config gives well-formed settings or throws ConfigError, nothing else', () => {
  let ok = 0;
  let rejected = 0;
  fc.assert(
    fc.property(distortionsArb, fc.nat(), (distortions, pick) => {
      let s: DistortionSettings;
      try {
        s = distortionSettingsFromConfig(JSON.parse(JSON.stringify({ distortions })));
      } catch (e) {
        assert.ok(e instanceof ConfigError, `${JSON.stringify(distortions)} threw ${(e as Error).name}: ${(e as Error).message}`);
        assert.match((e as Error).message, /^distortionSettingsFromConfig: [^]*: got [^]*, expected /);
        rejected++;
        return;
      }
      ok++;
      assert.ok(Object.isFrozen(s) && Object.isFrozen(s.tables) && Object.isFrozen(s.deployment));
      assert.equal(Object.keys(s.tables).sort(), [...DISTORTION_NAMES].sort());
      for (const name of DISTORTION_NAMES) {
        const t = s.tables[name];
        assert.ok(Object.isFrozen(t) && t.length > 0 && t.every(Number.isFinite), `${name}: ${t}`);
        const listed = distortions !== null && typeof distortions === 'object' && name in (distortions as object);
        if (!listed) assert.is(t, SEVERITY_TABLES[name], `${name} falls back to the default table`);
        const dep = s.deployment[name];
        if (dep !== undefined) {
          assert.ok(Number.isInteger(dep) && dep >= 1 && dep <= t.length);
          assert.equal(parseDistortion(`${name}:deploy`, s), { name, severity: dep, param: t[dep - 1] });
        }
      }
      if (s.tables['gaussian-blur'] !== SEVERITY_TABLES['gaussian-blur']) assert.ok(s.tables['gaussian-blur'].every((v) => v > 0));
      if (s.tables['gaussian-noise'] !== SEVERITY_TABLES['gaussian-noise']) assert.ok(s.tables['gaussian-noise'].every((v) => v >= 0));
      assert.ok(s.tables.occlusion.every((v) => Number.isInteger(v) && v >= 0));
      assert.ok(s.tables.contrast.every((v) => v > 0), `contrast ${s.tables.contrast}`);
      assert.ok(s.tables.brightness.every((v) => v > -1 && v < 1), `brightness ${s.tables.brightness}`);
      assert.ok(s.tables.rotation.every((v) => v >= -360 && v <= 360), `rotation ${s.tables.rotation}`);
      // every spec the settings accept is well formed
      const name = DISTORTION_NAMES[pick % DISTORTION_NAMES.length];
      const sev = (pick % 7) + 1;
      try {
        checkDistortion(parseDistortion(`${name}:${sev}`, s), s);
      } catch (e) {
        assert.ok(e instanceof ArgumentError && sev > s.tables[name].length, `${name}:${sev}: ${(e as Error).message}`);
      }
    }),
    { seed: 52, numRuns: 1500 },
  );
  assert.ok(ok > 100 && rejected > 100, `ok ${ok}, rejected ${rejected}`);
});

test('configs without distortions give the defaults; malformed ones raise ConfigError', () => {
  for (const c of [null, undefined, 3, 'x', {}, { distortions: null }, { distortions: undefined }]) {
    assert.is(distortionSettingsFromConfig(c), DEFAULT_DISTORTION_SETTINGS, JSON.stringify(c));
  }
  const cases: [unknown, RegExp][] = [
    [[1, 2], /^distortionSettingsFromConfig: "distortions" is not an object: got \[1,2\], expected /],
    ['blur', /"distortions" is not an object: got "blur"/],
    [{ fog: [1] }, /^distortionSettingsFromConfig: unknown distortion in config: got 'fog', expected one of gaussian-noise, /],
    [{ contrast: null }, /^distortionSettingsFromConfig: distortions\.contrast has no severity table: got null, expected a non-empty array or \{severities: \[\.\.\.\]\}$/],
    [{ contrast: { severities: 'abc' } }, /distortions\.contrast has no severity table/],
    [{ contrast: [0.5, null] }, /^distortionSettingsFromConfig: distortions\.contrast: contrast severity value is not a finite number: got null, expected a finite number$/],
    [{ brightness: [0.1, NaN] }, /^distortionSettingsFromConfig: distortions\.brightness: brightness severity value is not a finite number: got NaN, expected a finite number$/],
    [{ rotation: [-Infinity] }, /rotation severity value is not a finite number: got -Infinity,/],
    [{ 'gaussian-noise': [-0.1] }, /gaussian-noise sigma out of range: got -0\.1, expected >= 0$/],
    [{ occlusion: [4, 5.5] }, /occlusion side is not a non-negative integer: got 5\.5, expected pixels$/],
    [{ occlusion: [-2] }, /occlusion side is not a non-negative integer: got -2/],
    [{ contrast: [0.5, 0] }, /^distortionSettingsFromConfig: distortions\.contrast: contrast factor out of range: got 0, expected > 0 \(0 flattens the image, < 0 inverts it\)$/],
    [{ contrast: [-0.5] }, /contrast factor out of range: got -0\.5/],
    [{ brightness: [0.1, 1] }, /^distortionSettingsFromConfig: distortions\.brightness: brightness offset out of range: got 1, expected a value in \(-1, 1\) /],
    [{ brightness: { severities: [-1] } }, /brightness offset out of range: got -1/],
    [{ brightness: [25] }, /brightness offset out of range: got 25/], // a 0..255 offset, not a [0, 1] one
    [{ rotation: [5, 361] }, /^distortionSettingsFromConfig: distortions\.rotation: rotation angle out of range: got 361, expected degrees in \[-360, 360\]$/],
    [{ rotation: [-720] }, /rotation angle out of range: got -720/],
    [{ rotation: { severities: [5, 10], deployment: 0 } }, /^distortionSettingsFromConfig: distortions\.rotation\.deployment out of range: got 0, expected an integer in \[1,2\]$/],
    [{ rotation: { severities: [5, 10], deployment: 1.5 } }, /deployment out of range: got 1\.5/],
    [{ rotation: { severities: [5, 10], deployment: '1' } }, /deployment out of range: got "1"/],
  ];
  for (const [d, re] of cases) assert.throws(() => distortionSettingsFromConfig({ distortions: d }), isErr(ConfigError, re), JSON.stringify(d));
  // the edges of the ranges that stay meaningful
  const edge = distortionSettingsFromConfig({ distortions: { contrast: [1e-6, 1, 2.5], brightness: [-0.99, 0, 0.99], rotation: [-360, 0, 360] } });
  assert.equal([...edge.tables.contrast], [1e-6, 1, 2.5]);
  assert.equal([...edge.tables.brightness], [-0.99, 0, 0.99]);
  assert.equal([...edge.tables.rotation], [-360, 0, 360]);
});

test.run();
