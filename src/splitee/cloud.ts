/**
 * The cloud side of a split, in the core (so the HTTP server, the in-process LocalCloud and a
 * browser-side mock run the very same code):
 *
 *   resume(model, i, a):  a [1, ...activationShape(i)]  ->  stages i+1..L  ->  exit L  ->  softmax
 *
 * CloudService wraps it for a set of models addressed by id: it decodes the wire body, checks the
 * model hash, runs resume() and answers a ResumeResponse, or throws a CloudRequestError carrying the
 * HTTP status and a stable error code. It keeps no state between requests (models are read-only
 * after loading), so any number of replicas can serve the same models behind a load balancer.
 *
 * The work is synchronous: one request's stages run to completion before the next starts, which is
 * also what makes a model's scratch arena safe to share between requests.
 */
import { ShapeError, ValueError, ArgumentError, FormatError, SpliteeError, formatShape, describeValue } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { softmax, softmaxPlan } from '../tensor/kernels/softmax.js';
import type { MultiExitNetwork } from '../layers/network.js';
import { decodeResumeRequest, WireError, ENCODINGS, type ResumeResponse, type WireLimits } from './wire.js';

/** A network as served, addressed by network.id; its weights' sha256 (hex) identifies it on the wire.
 *  src/node/models/load.ts `loadModel(dir)` returns one. */
export interface ServedModel {
  readonly hash: string;
  readonly network: MultiExitNetwork;
}

/** Axis of activationShape(s) (batch excluded) that may be shorter than stated (a text model's
 *  token axis, MultiExitNetwork.sequenceAxis); undefined: every axis is fixed. */
function sequenceAxis(model: MultiExitNetwork): number | undefined {
  return model.sequenceAxis;
}

/** Throws a ShapeError unless `shape` is [1, ...activationShape(split)] (the sequence axis may be shorter, >= 1). */
export function checkActivationShape(model: MultiExitNetwork, split: number, shape: readonly number[]): void {
  const want = model.activationShape(split);
  const seq = sequenceAxis(model);
  let ok = shape.length === want.length + 1 && shape[0] === 1;
  for (let k = 0; ok && k < want.length; k++) ok = k === seq ? shape[k + 1] >= 1 && shape[k + 1] <= want[k] : shape[k + 1] === want[k]; // a loop: no closure per call
  if (!ok) {
    const hint = seq === undefined ? '' : `; axis ${seq + 1} may be shorter (sequence length 1..${want[seq]})`;
    throw new ShapeError(`resume: activation shape does not fit split ${split} of model '${model.id}': got ${formatShape(shape)}, expected ${formatShape([1, ...want])}${hint}`);
  }
}

/** Runs stages split+1..L and exit L on one sample's activation; split in [0, L-1]. */
export function resume(model: MultiExitNetwork, split: number, activation: Tensor): ResumeResponse {
  const L = model.numStages;
  if (!Number.isInteger(split) || split < 0 || split >= L) {
    throw new ValueError(`resume: split out of range for model '${model.id}': got ${split}, expected an integer in [0,${L - 1}] (split ${L} leaves nothing for the cloud)`);
  }
  checkActivationShape(model, split, activation.shape);
  const h = model.runStages(split, L, activation);
  const logits = model.exitLogits(L, h).contiguous();
  const K = model.numClasses;
  if (logits.size !== K) throw new ShapeError(`resume: exit ${L} logits of model '${model.id}': got ${formatShape(logits.shape)}, expected [1,${K}]`);
  const probs = new Float32Array(K);
  softmax(probs, logits.flat(), softmaxPlan([1, K]));
  let k = 0;
  for (let j = 1; j < K; j++) if (probs[j] > probs[k]) k = j;
  if (!Number.isFinite(probs[k])) throw new ValueError(`resume: exit ${L} of model '${model.id}' gave non-finite probabilities: got ${probs[k]}, expected finite values`);
  return { prediction: k, confidence: probs[k], probs: Array.from(probs) };
}

/** Stable error codes of the cloud API, with their HTTP status. */
export const CLOUD_ERRORS = {
  unknown_model: 404,
  model_mismatch: 409,
  malformed_body: 400,
  bad_dtype: 400,
  bad_shape: 400,
  bad_split: 400,
  bad_value: 400,
  body_too_large: 413,
  method_not_allowed: 405,
  not_found: 404,
  internal: 500,
} as const;
export type CloudErrorCode = keyof typeof CLOUD_ERRORS;

export class CloudRequestError extends SpliteeError {
  readonly status: number;
  readonly apiCode: CloudErrorCode;
  constructor(apiCode: CloudErrorCode, message: string, options?: { cause?: unknown }) {
    super(apiCode === 'internal' ? 'E_STATE' : apiCode === 'bad_value' ? 'E_VALUE' : apiCode === 'bad_shape' ? 'E_SHAPE' : 'E_FORMAT', message, options);
    this.status = CLOUD_ERRORS[apiCode];
    this.apiCode = apiCode;
  }
}

/** What GET /v1/models lists per model. */
export interface ModelInfo {
  id: string;
  hash: string;
  /** L */
  exits: number;
  classes: number;
  /** activationShape(s) for s = 0..L (batch axis excluded); the cloud accepts splits 0..L-1. */
  activationShapes: number[][];
  /** Axis of those shapes that may be shorter (text models), or null. */
  sequenceAxis: number | null;
  encodings: string[];
}

/** Maps any error thrown while serving a resume request to its API error. */
export function toCloudRequestError(e: unknown): CloudRequestError {
  if (e instanceof CloudRequestError) return e;
  if (e instanceof WireError) {
    const code: CloudErrorCode = e.reason === 'dtype-mismatch' ? 'bad_dtype' : e.reason === 'too-large' ? 'body_too_large' : e.reason === 'bad-shape' ? 'bad_shape' : 'malformed_body';
    return new CloudRequestError(code, e.message, { cause: e });
  }
  if (e instanceof ShapeError) return new CloudRequestError('bad_shape', e.message, { cause: e });
  if (e instanceof ValueError) return new CloudRequestError('bad_value', e.message, { cause: e });
  if (e instanceof FormatError) return new CloudRequestError('malformed_body', e.message, { cause: e });
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new CloudRequestError('internal', `internal error: ${msg}`, { cause: e });
}

export class CloudService {
  private readonly models = new Map<string, ServedModel>();
  readonly limits: WireLimits;

  constructor(models: readonly ServedModel[], limits: WireLimits = {}) {
    if (models.length === 0) throw new ArgumentError('CloudService: no models: got [], expected at least one');
    for (const m of models) {
      const id = m.network.id;
      if (this.models.has(id)) throw new ArgumentError(`CloudService: duplicate model id: got '${id}' twice, expected unique ids`);
      if (typeof m.hash !== 'string' || !/^[0-9a-f]{64}$/.test(m.hash)) throw new ArgumentError(`CloudService: model '${id}' hash: got ${describeValue(m.hash)}, expected 64 lowercase hex digits`);
      this.models.set(id, m);
    }
    const maxElements = Math.max(...models.flatMap((m) => m.network.profile.activationElements));
    this.limits = { maxElements, ...limits };
  }

  model(id: string): ServedModel | undefined {
    return this.models.get(id);
  }

  list(): ModelInfo[] {
    return [...this.models.values()].map(({ network: m, hash }) => {
      const seq = sequenceAxis(m);
      return {
        id: m.id,
        hash,
        exits: m.numStages,
        classes: m.numClasses,
        activationShapes: Array.from({ length: m.numStages + 1 }, (_, s) => [...m.activationShape(s)]),
        sequenceAxis: seq ?? null,
        encodings: [...ENCODINGS],
      };
    });
  }

  /** Largest f32 request body any served model can need (header allowance included). */
  maxBodyBytes(): number {
    return 4 * (this.limits.maxElements ?? 0) + 65536;
  }

  /** Serves one resume request; throws CloudRequestError (never anything else). `info.split` is set once the body is decoded (for metrics). */
  resume(modelId: string, body: Uint8Array, info?: { split?: number }): ResumeResponse {
    try {
      const served = this.models.get(modelId);
      if (served === undefined) throw new CloudRequestError('unknown_model', `unknown model: got '${modelId.slice(0, 80)}', expected one of ${[...this.models.keys()].join(', ')}`);
      const model = served.network;
      const req = decodeResumeRequest(body, this.limits);
      if (info) info.split = req.split;
      if (req.modelHash !== served.hash) {
        throw new CloudRequestError('model_mismatch', `model hash mismatch for '${model.id}': got ${req.modelHash}, expected ${served.hash}; the device and the cloud run different weights`);
      }
      if (req.modelId !== null && req.modelId !== model.id) {
        throw new CloudRequestError('model_mismatch', `model id mismatch: got '${req.modelId.slice(0, 80)}' in the body, expected '${model.id}' (the route's)`);
      }
      if (req.split >= model.numStages) {
        throw new CloudRequestError('bad_split', `split out of range for '${model.id}': got ${req.split}, expected 0..${model.numStages - 1}`);
      }
      return resume(model, req.split, req.activation);
    } catch (e) {
      throw toCloudRequestError(e);
    }
  }
}
