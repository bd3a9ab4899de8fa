// The core entry's public surface (issue 11 item 6): the exported names are listed here and change only on
// purpose (edit this list in the same commit that changes src/index.ts, and say why), and importing the
// entry does nothing observable (package.json "sideEffects": false is true of it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as core from '../src/index.js';

const PUBLIC = [
  'ArgumentError', 'BERT_FAMILY', 'BertModel', 'CLEAN_DISTORTION', 'CLOUD_ERRORS', 'CloudError', 'CloudRequestError',
  'CloudService', 'ConfigError', 'DEFAULTS', 'DEFAULT_ALPHA_GRID', 'DEFAULT_ALPHA_MARGIN',
  'DEFAULT_DISTORTION_SETTINGS', 'DEFAULT_FAMILIES', 'DEFAULT_SIMD_MEMORY', 'DISTORTION_NAMES', 'DTYPE_BYTES',
  'Distorter', 'ENCODINGS', 'ENCODING_BYTES', 'FormatError', 'HttpCloud', 'IDX_MAX_NDIMS', 'ImageStream',
  'KERNEL_KINDS', 'LocalCloud', 'MASK_MIN', 'MAX_HEADER_BYTES', 'ORDER_SALT', 'PAPER_OFFLOADS', 'POLICY_NAMES',
  'RESNET_FAMILY', 'ResNetModel', 'ResumeBody', 'Rng', 'RunTotals', 'SEVERITY_TABLES', 'SafetensorsError', 'ShapeError',
  'SplitRunner', 'SpliteeError', 'StateError', 'Tensor', 'TextInput', 'ValueError', 'WIRE_FORMAT', 'WIRE_VERSION',
  'WireError', 'activationBytes', 'adaptiveAvgPool2dPlan', 'argmax', 'armMeanRewards', 'armReward',
  'armRewardUnchecked', 'armSplits', 'assertSameShape', 'attentionPlan', 'bertEncode', 'bertTokenizer', 'bf16ToF32',
  'biasPlan', 'binaryPlan', 'buildBert', 'buildImageStream', 'buildModel', 'buildResNet', 'checkActivationShape',
  'chooseAlpha', 'chooseQuantParams', 'configArchitecture', 'conv2d', 'conv2dNaive', 'conv2dPlan', 'copyRecord',
  'costTableFromJSON', 'costTableToJSON', 'createFastKernels', 'createKernels', 'createPolicy', 'createSimdKernels',
  'decodeResumeRequest', 'dequantizeInt8', 'deriveSeed', 'describePolicies', 'describeValue', 'distort',
  'distortionSettingsFromConfig', 'embeddingPlan', 'encodeIdx', 'encodeResumeRequest', 'encodeResumeResponse',
  'erfc64', 'exits', 'f16BitsToNumber', 'f16ToF32', 'f32BitsToF16Array', 'f32ToBf16', 'f32ToF16', 'familyOf', 'familyOfNetwork',
  'fastKernels', 'fitQuantParams', 'foldBatchNorm', 'formatDistortion', 'formatKernelsInfo', 'formatShape', 'formatTrace', 'forwardAllStaged',
  'gaussianKernel', 'gelu64', 'geluScalar', 'gemm', 'gemmNaive', 'gemmPlan', 'globalAvgPool2dPlan', 'idxStatedBytes', 'kernelsInfo',
  'layerNormPlan', 'layoutSafetensors', 'meanStd', 'measuredCosts', 'numberToF16Bits', 'observationOf', 'observeInto', 'offloadCost',
  'offloads', 'optionsToJSON', 'outcomeOf', 'padBatch', 'paperCosts', 'parseDistortion', 'parseIdx', 'parseKernelsKind',
  'parseResumeResponse', 'parseSafetensors', 'parseTrace', 'pool2dPlan', 'quantizeInt8', 'referenceKernels',
  'replay', 'replayReference', 'replayStage', 'requireLabels', 'resolveAction', 'restorePolicy', 'resume',
  'rewardModel', 'roundCost', 'roundReward', 'rowMajorStrides', 'sendsToCloud', 'settle', 'settleInto', 'sha256Hex',
  'shapeText', 'simdMemoryFor', 'simdValidates', 'sizeOf', 'softmaxPlan', 'stageCost', 'syntheticTrace', 'tensorAsFloat32',
  'toCloudRequestError', 'traceHeader', 'validateTrace', 'writeSafetensors',
  // issue 14: stage policies (layerwise) in the registry, the live runner and replay
  'createAnyPolicy', 'isStagePolicy', 'isStagePolicyName', 'replayStageNamed', 'restoreAnyPolicy', 'stageObservationOf',
  // issue 13 item 6: a batch's trace in one thread or over N Web Workers (the page's use of the pool)
  'serveTraceWorker', 'traceInWebWorkers', 'traceInputs',
];

test('the core entry exports exactly the public names', () => {
  const got = Object.keys(core).sort();
  const extra = got.filter((n) => !PUBLIC.includes(n));
  const missing = PUBLIC.filter((n) => !got.includes(n));
  assert.equal({ extra, missing }, { extra: [], missing: [] }, 'src/index.ts changed its surface: update PUBLIC on purpose');
});

test('internals stay internal: layer building blocks, arenas and per-arm statistics are not exported', () => {
  for (const n of ['Arena', 'WeightStore', 'Linear', 'ConvBN', 'BasicBlock', 'ExitHead', 'BertLayer', 'ArmStats', 'StageArenas', 'parseResNetConfig']) {
    assert.not.ok(n in core, `${n} is exported`);
  }
});

test('importing the core entry does nothing observable: no output, no new globals, no timer keeping the process alive', () => {
  const script = [
    "const before = new Set(Object.getOwnPropertyNames(globalThis));",
    "await import('./src/index.ts');",
    "const added = Object.getOwnPropertyNames(globalThis).filter((n) => !before.has(n));",
    "process.stdout.write(JSON.stringify(added));",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.equal(JSON.parse(r.stdout), []);
});

test('package.json declares the package free of side effects', () => {
  assert.is(JSON.parse(readFileSync('package.json', 'utf8')).sideEffects, false);
});

test.run();
