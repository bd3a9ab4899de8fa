// Drift: a --distortion schedule 'A>B>C' (equal segments) or 'A>B@s>C@u' (explicit starts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../../src/tensor/errors.js';
import { formatSchedule, isSchedule, parseSchedule } from '../../../src/splitee/stream/schedule.js';
import { parseDistortion } from '../../../src/splitee/stream/distortion-spec.js';
import { buildImageStream } from '../../../src/splitee/stream/image-stream.js';

const parse = (spec: string, n: number) => parseSchedule(spec, n, (one) => parseDistortion(one));
const starts = (spec: string, n: number) => parse(spec, n).map((s) => `${formatSchedule([s])}@${s.from}`).join(' ');
const bad = (spec: string, n: number, re: RegExp) => assert.throws(() => parse(spec, n), (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message));

test('equal segments start at floor(j * n / k); explicit starts are kept; one spec is one segment', () => {
  assert.is(starts('clean>gaussian-noise:2>gaussian-blur:3', 10), 'none@0 gaussian-noise:2@3 gaussian-blur:3@6');
  assert.is(starts('clean > gaussian-noise:2', 7), 'none@0 gaussian-noise:2@3');
  assert.is(starts('clean>gaussian-noise:2@5>gaussian-blur:3@8', 10), 'none@0 gaussian-noise:2@5 gaussian-blur:3@8');
  assert.is(starts('contrast:1@0>gaussian-noise:2@1', 2), 'contrast:1@0 gaussian-noise:2@1');
  assert.is(starts('gaussian-noise:2', 10), 'gaussian-noise:2@0');
  assert.is(formatSchedule(parse('clean>gaussian-noise:2>gaussian-blur:3', 10)), 'none@0>gaussian-noise:2@3>gaussian-blur:3@6');
  assert.is(formatSchedule(parse('contrast:2', 10)), 'contrast:2');
  assert.ok(isSchedule('a>b') && !isSchedule('contrast:2'));
});

test('bad schedules are clear errors', () => {
  bad('clean>gaussian-noise:2@5>gaussian-blur:3', 10, /starts given for 1 of the 2 later segments/);
  bad('clean>gaussian-noise:2@5>gaussian-blur:3@5', 10, /segment 3 starts at 5: got after 5/);
  bad('clean>gaussian-noise:2@10', 10, /segment 2 starts at 10.*below 10/);
  bad('clean@3>gaussian-noise:2@5', 10, /first segment starts at 0: got @3/);
  bad('clean>>gaussian-noise:2', 10, /empty segment 2/);
  bad('clean>gaussian-noise:2>gaussian-blur:3', 2, /stream too short: got 2 samples for 3 segments/);
  bad('clean>blur:3', 10, /unknown distortion: got 'blur'/);
  bad(Array.from({ length: 65 }, () => 'clean').join('>'), 1000, /too many segments: got 65/);
});

test('the stream: each segment gets its distortion, with the same noise as that distortion alone; same seed, same stream', () => {
  const images = new Uint8Array(6 * 16).map((_, i) => (i * 53) % 256);
  const mk = (distortion: ReturnType<typeof parse> | string, seed = 4) =>
    buildImageStream({ images, height: 4, width: 4, distortion: typeof distortion === 'string' ? distortion : distortion.map((s) => ({ from: s.from, spec: s.spec })), seed, length: 12 });
  const drift = mk(parse('clean>gaussian-noise:2>gaussian-blur:3', 12));
  assert.equal(Array.from({ length: 12 }, (_, t) => drift.sample(t).distortion), [...Array(4).fill('none'), ...Array(4).fill('gaussian-noise:2'), ...Array(4).fill('gaussian-blur:3')]);
  const alone = { none: mk('clean'), 'gaussian-noise:2': mk('gaussian-noise:2'), 'gaussian-blur:3': mk('gaussian-blur:3') } as Record<string, ReturnType<typeof mk>>;
  for (let t = 0; t < 12; t++) {
    const x = drift.sample(t);
    assert.equal(x.pixels, alone[x.distortion].sample(t).pixels, `t ${t}`);
  }
  const again = mk(parse('clean>gaussian-noise:2>gaussian-blur:3', 12));
  const other = mk(parse('clean>gaussian-noise:2>gaussian-blur:3', 12), 5);
  assert.equal(again.batch(0, 12).pixels, drift.batch(0, 12).pixels);
  assert.not.equal(other.sample(5).pixels, drift.sample(5).pixels); // noise follows the seed
});

test.run();
