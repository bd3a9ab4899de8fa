/**
 * config.json of a multi-exit ResNet ("architecture": "resnet-multi-exit"), validated field by field.
 * The schema is what tools/resnet/export.py `build_config` writes:
 *
 *   {id, architecture, num_classes, classes?, bn_eps,
 *    input: {shape: [C,H,W], dtype?: 'uint8'|'float32', scale?, normalize?: {kind, eps}},
 *    stem: {in, out, kernel, stride, padding, relu},
 *    blocks: [{in, out, stride, downsample}],                 (block k = stage k; the stem joins stage 1)
 *    exits:  [{after_block, pool, hidden, classes}]}          (one per block, exit k after block k)
 *
 * Every missing or invalid field is a ConfigError naming its JSON path; fields the engine does not
 * use (training, cost, source, ...) are ignored. Channel chains are checked here (stem.out ==
 * blocks[0].in, blocks[i].out == blocks[i+1].in), so a bad config never reaches the weights.
 */
import { ConfigError, describeValue } from '../tensor/errors.js';
import { normalizeSpecFromConfig, type NormalizeSpec } from './preprocess.js';

export interface StemSpec {
  in: number;
  out: number;
  kernel: number;
  stride: number;
  padding: number;
  relu: boolean;
}

export interface BlockSpec {
  in: number;
  out: number;
  stride: number;
  downsample: boolean;
}

export interface ExitSpec {
  afterBlock: number;
  pool: number;
  hidden: number;
  classes: number;
}

export interface ImageInputSpec {
  /** [C,H,W] of one sample. */
  shape: readonly [number, number, number];
  /** How a device stores one raw input (sets profile.rawInputBytes). */
  dtype: 'uint8' | 'float32';
  /** raw value * scale = the [0,1] pixel (1/255 for uint8). */
  scale: number;
  normalize: NormalizeSpec;
}

export interface ResNetConfig {
  id: string;
  architecture: 'resnet-multi-exit';
  numClasses: number;
  classes: readonly string[] | null;
  bnEps: number;
  input: ImageInputSpec;
  stem: StemSpec;
  blocks: readonly BlockSpec[];
  exits: readonly ExitSpec[];
}

export const RESNET_ARCHITECTURE = 'resnet-multi-exit';

/**
 * Upper bounds of a config's sizes: far above any real multi-exit ResNet (Fashion-MNIST: [1,28,28],
 * 64..512 channels; ImageNet ResNet-50: [3,224,224], 2048 channels), low enough that a hostile or
 * mistyped config cannot make the engine (or the server's body limit, which follows the largest
 * activation) allocate gigabytes. Activations are counted in elements, the wire's unit.
 */
export const RESNET_LIMITS = Object.freeze({
  /** H, W of the input. */
  side: 4096,
  channels: 4096,
  kernel: 31,
  stride: 16,
  blocks: 64,
  pool: 64,
  hidden: 65536,
  classes: 100_000,
  /** Elements of the input and of every block's activation (the wire's default maxElements). */
  activationElements: 2 ** 24,
});

function bad(path: string, got: unknown, expected: string): never {
  const shown = got === undefined ? 'nothing (missing)' : describeValue(got);
  throw new ConfigError(`config.json: ${path} is invalid: got ${shown}, expected ${expected}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, v, 'an object');
  return v as Record<string, unknown>;
}

function int(o: Record<string, unknown>, key: string, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${path}.${key}`, v, `an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}`);
  return v;
}

/** Throws unless channels x h x w (an activation) stays within RESNET_LIMITS.activationElements. */
function activation(path: string, c: number, h: number, w: number): void {
  const max = RESNET_LIMITS.activationElements;
  if (h < 1 || w < 1) bad(path, `a ${h}x${w} output`, 'a spatial size >= 1x1 (the kernel is larger than the padded input)');
  if (c * h * w > max) bad(path, `${c}x${h}x${w} = ${c * h * w} elements`, `an activation of at most ${max} elements`);
}

function bool(o: Record<string, unknown>, key: string, path: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') bad(`${path}.${key}`, v, 'true or false');
  return v;
}

function arr(o: Record<string, unknown>, key: string, path: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) bad(`${path}.${key}`, v, 'a non-empty array');
  return v;
}

function parseInput(v: unknown): ImageInputSpec {
  const o = obj(v, 'input');
  const s = o.shape;
  const L = RESNET_LIMITS;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d >= 1)) bad('input.shape', s, '[C,H,W] of positive integers');
  if (s[0] > L.channels || s[1] > L.side || s[2] > L.side) bad('input.shape', s, `C <= ${L.channels}, H and W <= ${L.side}`);
  activation('input.shape', s[0], s[1], s[2]);
  const dtype = o.dtype ?? 'uint8';
  if (dtype !== 'uint8' && dtype !== 'float32') bad('input.dtype', o.dtype, "'uint8' or 'float32'");
  const scale = o.scale ?? (dtype === 'uint8' ? 1 / 255 : 1);
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) bad('input.scale', o.scale, 'a finite number > 0');
  let normalize: NormalizeSpec;
  try {
    normalize = normalizeSpecFromConfig({ input: o });
  } catch (e) {
    bad('input.normalize', o.normalize, `{kind: 'per-image-standardize', eps} or {kind: 'none'} (${String((e as Error).message).slice(0, 200)})`);
  }
  return { shape: [s[0], s[1], s[2]], dtype, scale, normalize };
}

function parseStem(v: unknown, inChannels: number): StemSpec {
  // Bounds of each field here; the activation sizes they imply are checked by parseResNetConfig.
  const o = obj(v, 'stem');
  const stem: StemSpec = {
    in: int(o, 'in', 'stem', 1, RESNET_LIMITS.channels),
    out: int(o, 'out', 'stem', 1, RESNET_LIMITS.channels),
    kernel: int(o, 'kernel', 'stem', 1, RESNET_LIMITS.kernel),
    stride: int(o, 'stride', 'stem', 1, RESNET_LIMITS.stride),
    padding: int(o, 'padding', 'stem', 0, RESNET_LIMITS.kernel),
    relu: o.relu === undefined ? true : bool(o, 'relu', 'stem'),
  };
  if (stem.in !== inChannels) bad('stem.in', stem.in, `input.shape[0] = ${inChannels}`);
  if (stem.padding >= stem.kernel) bad('stem.padding', stem.padding, `less than stem.kernel (${stem.kernel})`);
  return stem;
}

function parseBlocks(o: Record<string, unknown>, stemOut: number): BlockSpec[] {
  const list = arr(o, 'blocks', '$');
  if (list.length > RESNET_LIMITS.blocks) bad('blocks', `${list.length} blocks`, `at most ${RESNET_LIMITS.blocks}`);
  let prev = stemOut;
  return list.map((b, i) => {
    const p = `blocks[${i}]`;
    const bo = obj(b, p);
    const C = RESNET_LIMITS.channels;
    const spec: BlockSpec = { in: int(bo, 'in', p, 1, C), out: int(bo, 'out', p, 1, C), stride: int(bo, 'stride', p, 1, RESNET_LIMITS.stride), downsample: bool(bo, 'downsample', p) };
    if (spec.in !== prev) bad(`${p}.in`, spec.in, `${prev} (the channels of ${i === 0 ? 'stem.out' : `blocks[${i - 1}].out`})`);
    if (!spec.downsample && (spec.stride !== 1 || spec.in !== spec.out)) {
      bad(`${p}.downsample`, false, `true: the block changes shape (in ${spec.in}, out ${spec.out}, stride ${spec.stride}), so its shortcut needs the 1x1 conv + BN`);
    }
    prev = spec.out;
    return spec;
  });
}

function parseExits(o: Record<string, unknown>, numBlocks: number, numClasses: number): ExitSpec[] {
  const list = arr(o, 'exits', '$');
  if (list.length !== numBlocks) bad('exits', `${list.length} exits`, `one exit per block (${numBlocks})`);
  return list.map((e, k) => {
    const p = `exits[${k}]`;
    const eo = obj(e, p);
    const L = RESNET_LIMITS;
    const spec: ExitSpec = { afterBlock: int(eo, 'after_block', p, 1, L.blocks), pool: int(eo, 'pool', p, 1, L.pool), hidden: int(eo, 'hidden', p, 0, L.hidden), classes: int(eo, 'classes', p, 1, L.classes) };
    if (spec.afterBlock !== k + 1) bad(`${p}.after_block`, spec.afterBlock, `${k + 1} (exit k follows block k)`);
    if (spec.classes !== numClasses) bad(`${p}.classes`, spec.classes, `num_classes = ${numClasses}`);
    return spec;
  });
}

/** Every activation (stem output, each block's output; 3x3 convs with padding 1) within the bound. */
function checkActivations(shape: readonly [number, number, number], stem: StemSpec, blocks: readonly BlockSpec[]): void {
  let h = Math.floor((shape[1] + 2 * stem.padding - stem.kernel) / stem.stride) + 1;
  let w = Math.floor((shape[2] + 2 * stem.padding - stem.kernel) / stem.stride) + 1;
  activation('stem', stem.out, h, w);
  blocks.forEach((b, i) => {
    h = Math.floor((h - 1) / b.stride) + 1;
    w = Math.floor((w - 1) / b.stride) + 1;
    activation(`blocks[${i}]`, b.out, h, w);
  });
}

/** Validates a parsed config.json of a multi-exit ResNet. */
export function parseResNetConfig(config: unknown): ResNetConfig {
  const o = obj(config, 'the config');
  if (o.architecture !== RESNET_ARCHITECTURE) bad('architecture', o.architecture, `'${RESNET_ARCHITECTURE}'`);
  const id = o.id;
  if (typeof id !== 'string' || id.length === 0) bad('id', id, 'a non-empty string');
  const numClasses = int(o, 'num_classes', '$', 1, RESNET_LIMITS.classes);
  let classes: string[] | null = null;
  if (o.classes !== undefined) {
    const c = o.classes;
    if (!Array.isArray(c) || c.length !== numClasses || !c.every((s) => typeof s === 'string')) bad('classes', c, `${numClasses} class names (strings)`);
    classes = c as string[];
  }
  const bnEps = o.bn_eps;
  if (typeof bnEps !== 'number' || !(bnEps >= 0) || !Number.isFinite(bnEps)) bad('bn_eps', bnEps, 'a finite number >= 0 (BatchNorm2d.eps)');
  const input = parseInput(o.input);
  const stem = parseStem(o.stem, input.shape[0]);
  const blocks = parseBlocks(o, stem.out);
  checkActivations(input.shape, stem, blocks);
  const exits = parseExits(o, blocks.length, numClasses);
  return { id, architecture: RESNET_ARCHITECTURE, numClasses, classes, bnEps, input, stem, blocks, exits };
}
