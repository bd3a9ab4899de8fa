/**
 * The WebAssembly side of the `simd` kernel table: compiling the embedded module (asm/kernels.ts + rows.ts,
 * bytes in the generated simd-wasm.ts), and one fixed memory per table instance.
 *
 * Memory: one WebAssembly.Memory of `memoryBytes` (initial = maximum), created with the table and
 * never grown, so its ArrayBuffer is never detached (a detach deoptimizes every typed-array access in
 * the process under Node 20; see bench/README.md "A 25% trap"). Layout, in bytes:
 *   [0, 256)             the micro-kernel's edge tile (4x8 or 6x8 floats)
 *   [256, persistentTop)  allocate(): views that live as long as the table (weights, packs, arena chunks)
 *   [persistentTop, end)  per-call scratch: packs, and copies of operands not already in the memory
 * All state is per instance: two tables (or two networks on two tables) never share scratch.
 * No WebAssembly types from a DOM lib are needed: the few members used are typed locally.
 */
import { ArgumentError, ConfigError, StateError } from '../errors.js';
import { SIMD_WASM_BASE64, RELAXED_WASM_BASE64 } from './simd-wasm.js';

/** The members of the WebAssembly namespace this file uses (available in browsers, workers, Node, Deno). */
interface WasmNamespace {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

/** The exports of asm/kernels.ts (pointers are byte offsets; booleans are 0/1). */
export interface SimdExports {
  /** mr: rows per panel (4 or 6): gemmPanelRows() for gemmPacked's A (conv weights: packConvW). */
  packA(pa: number, a: number, lda: number, M: number, K: number, transA: number, mr: number): void;
  gemmPanelRows(): number;
  /** Rows of O output channels packed in convShifted's weight panels (packConvW writes convRows(O) * K floats). */
  convRows(O: number): number;
  packConvW(pa: number, w: number, O: number, K: number): void;
  packB(pb: number, b: number, ldb: number, N: number, K: number, transB: number): void;
  gemmPacked(c: number, ldc: number, pa: number, pb: number, M: number, N: number, K: number, alpha: number, beta: number, edge: number): void;
  biasRelu(c: number, ldc: number, M: number, N: number, bias: number, mode: number, relu: number): void;
  im2colPacked(pb: number, x: number, C: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, Ho: number, Wo: number): void;
  convShifted(out: number, x: number, pa: number, bias: number, mode: number, relu: number, N: number, C: number, H: number, W: number, O: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, Ho: number, Wo: number, Hq: number, Wq: number, ph: number, phLen: number, offs: number, cb: number): void;
  addAct(out: number, a: number, b: number, n: number, relu: number): void;
  /** asm/rows.ts */
  layerNorm(out: number, x: number, gamma: number, beta: number, rows: number, cols: number, eps: number): void;
  softmax(out: number, x: number, rows: number, cols: number, mask: number, masked: number): void;
  gelu(out: number, x: number, n: number): void;
  rowMeans(out: number, x: number, rows: number, cols: number): void;
}

const PAGE = 65536;
export const EDGE_PTR = 0;
const FIRST_FREE = 256;
/** Default memory of a simd table: 64 MiB (one fixed allocation; calls that need more scratch fall back to the fast kernels). */
export const DEFAULT_SIMD_MEMORY = 64 << 20;
/**
 * Memory budgeted per row of a forward pass (the arenas' activations and temporaries, which grow with
 * the rows; per-call scratch does not). Measured at 1 GiB, chunk doubling included: the shipped ResNet
 * takes 0.25 MiB a row, spam-bert at T = 128 1.07 MiB; 2 MiB leaves room for a family twice as wide.
 */
export const SIMD_ROW_BYTES = 2 << 20;
/** The most memory a simd table takes: 2 GiB (WebAssembly's 32-bit memories hold 4, some hosts allow less). */
export const SIMD_MAX_MEMORY = 2 ** 31;

/**
 * Bytes of a simd table for one model whose weights file has `weightBytes` bytes and whose forward
 * passes take at most `rows` rows: room for the weights (packed or copied, float32: twice the bytes of a
 * float16 file, tile padding included) plus, for the arenas and per-call scratch, DEFAULT_SIMD_MEMORY or
 * rows x SIMD_ROW_BYTES, whichever is more, in whole 64 KiB pages. The loader passes it (src/node/models/
 * load.ts, `rows` from --batch), so a big model or batch does not fail for want of memory; pages are
 * only committed when touched, so a larger memory costs address space, not RAM. A family whose rows
 * outgrow the budget fails with the table's StateError, never by growing the memory.
 */
export function simdMemoryFor(weightBytes: number, rows = DEFAULT_SIMD_MEMORY / SIMD_ROW_BYTES): number {
  if (!Number.isFinite(weightBytes) || weightBytes < 0) throw new ArgumentError(`simdMemoryFor: invalid weight bytes: got ${weightBytes}, expected a finite non-negative number`);
  if (!Number.isInteger(rows) || rows < 1) throw new ArgumentError(`simdMemoryFor: invalid rows: got ${rows}, expected an integer >= 1`);
  const bytes = Math.ceil((2 * Math.ceil(weightBytes) + Math.max(DEFAULT_SIMD_MEMORY, rows * SIMD_ROW_BYTES)) / PAGE) * PAGE;
  if (bytes > SIMD_MAX_MEMORY) {
    throw new ArgumentError(`simdMemoryFor: too much memory for one table: got ${Math.ceil(bytes / 2 ** 20)} MiB for ${rows} rows per pass and ${weightBytes} bytes of weights, expected at most ${SIMD_MAX_MEMORY / 2 ** 20} MiB; fewer rows per forward pass, or the fast kernel table`);
  }
  return bytes;
}

function wasmNamespace(): WasmNamespace | null {
  const w = (globalThis as { WebAssembly?: WasmNamespace }).WebAssembly;
  return w !== undefined && typeof w.validate === 'function' ? w : null;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (no whitespace, '=' padding allowed) to bytes. */
export function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64.indexOf(clean[i]);
    if (v < 0) throw new ArgumentError(`decodeBase64: invalid character at ${i}: got code ${clean.charCodeAt(i)}, expected base64`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/** The bytes of the SIMD128 or the relaxed-SIMD build. */
export function simdWasmBytes(relaxed: boolean): Uint8Array {
  return decodeBase64(relaxed ? RELAXED_WASM_BASE64 : SIMD_WASM_BASE64);
}

/** True when this runtime validates the given build (relaxed: f32x4.relaxed_madd). */
export function simdValidates(relaxed = false): boolean {
  const w = wasmNamespace();
  return w !== null && w.validate(simdWasmBytes(relaxed));
}

export interface SimdInstanceOptions {
  /** Bytes of the fixed memory (rounded up to 64 KiB pages); default DEFAULT_SIMD_MEMORY. */
  memoryBytes?: number;
  /** 'auto' (default): the relaxed build where it validates, else SIMD128. */
  relaxed?: boolean | 'auto';
  /** A precompiled WebAssembly.Module of wasm/kernels-*.wasm (runtimes that forbid compiling bytes). */
  module?: object;
}

/** make(), or a ConfigError when the runtime refuses it (a CSP without 'wasm-unsafe-eval', a memory it cannot reserve). */
function refused<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    const said = e instanceof Error ? e.message.slice(0, 200) : typeof e;
    throw new ConfigError(`simd kernels: the runtime refused to ${what}: got '${said}', expected it done; use kernels "fast" (or, for the memory, fewer rows per forward pass)`, { cause: e });
  }
}

/** One module instance over one fixed memory, with the persistent and per-call allocators. */
export class SimdInstance {
  readonly exports: SimdExports;
  readonly buffer: ArrayBuffer;
  readonly heap: Float32Array;
  readonly relaxed: boolean;
  /** Rows per A panel of the module's GEMM (4 in the SIMD128 build, 6 in the relaxed one). */
  readonly gemmMR: number;
  private persistentTop = FIRST_FREE;
  private scratchTop = FIRST_FREE;
  /** Operand copies into or out of the memory since the instance was made (a debug counter for tests:
   *  a network built on the table copies nothing per kernel call). */
  copies = 0;
  /** Calls that ran the fast kernel because their per-call scratch did not fit the fixed memory. */
  fallbacks = 0;

  constructor(opts: SimdInstanceOptions = {}) {
    const w = wasmNamespace();
    if (w === null) throw new ConfigError('simd kernels: WebAssembly is not available: got no WebAssembly global, expected a runtime with WebAssembly SIMD; use kernels "fast"');
    const bytes = opts.memoryBytes ?? DEFAULT_SIMD_MEMORY;
    if (!Number.isInteger(bytes) || bytes < PAGE || bytes > SIMD_MAX_MEMORY) {
      throw new ArgumentError(`simd kernels: invalid memoryBytes: got ${bytes}, expected an integer in [${PAGE}, 2^31]`);
    }
    const relaxed = opts.relaxed === 'auto' || opts.relaxed === undefined ? simdValidates(true) : opts.relaxed;
    let module = opts.module;
    if (module === undefined) {
      const code = simdWasmBytes(relaxed);
      if (!w.validate(code)) throw new ConfigError(`simd kernels: this runtime does not validate the ${relaxed ? 'relaxed-SIMD' : 'SIMD128'} build: got validate() = false, expected true; use kernels "fast"${relaxed ? ' or relaxed: false' : ''}`);
      module = refused('compile the module', () => new w.Module(code));
    }
    const pages = Math.ceil(bytes / PAGE);
    const memory = refused(`allocate the table's memory of ${Math.ceil((pages * PAGE) / 2 ** 20)} MiB`, () => new w.Memory({ initial: pages, maximum: pages }));
    this.exports = refused('instantiate the module', () => new w.Instance(module, { env: { memory } })).exports as unknown as SimdExports;
    this.buffer = memory.buffer;
    this.heap = new Float32Array(this.buffer);
    this.relaxed = relaxed;
    this.gemmMR = this.exports.gemmPanelRows();
  }

  /** Bytes of the memory. */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** A Float32Array of n elements in the module's memory, valid as long as this instance (not zeroed twice: fresh memory is zero). */
  allocate(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`SimdInstance.allocate: invalid size: got ${n}, expected a non-negative integer`);
    const at = align(this.persistentTop);
    if (at + 4 * n > this.buffer.byteLength) {
      throw new StateError(`SimdInstance.allocate: memory is full: got a request of ${4 * n} bytes with ${this.buffer.byteLength - at} free, expected it to fit; fewer rows per forward pass, or a table with a larger memoryBytes (simdMemoryFor(weightBytes, rows))`);
    }
    this.persistentTop = at + 4 * n;
    this.scratchTop = this.persistentTop;
    return new Float32Array(this.buffer, at, n);
  }

  /** True when arr is a view of this memory (a kernel passes its byteOffset instead of copying). */
  owns(arr: Float32Array): boolean {
    return arr.buffer === this.buffer;
  }

  /** Starts a kernel call's scratch (everything taken since is released by the next begin). */
  begin(): void {
    this.scratchTop = align(this.persistentTop);
  }

  /** Byte offset of n floats of scratch, or -1 when the memory is full (the caller falls back). */
  take(n: number): number {
    const at = align(this.scratchTop);
    if (this.scratchTop < 0 || at + 4 * n > this.buffer.byteLength) {
      this.scratchTop = -1;
      return -1;
    }
    this.scratchTop = at + 4 * n;
    return at;
  }

  /** Byte offset of arr's first n elements: its own when it lives in the memory, else a copy (copy = false: space only). */
  place(arr: Float32Array, n: number, copy = true): number {
    if (arr.buffer === this.buffer) return arr.byteOffset;
    const at = this.take(n);
    if (at >= 0 && copy) {
      this.heap.set(n === arr.length ? arr : arr.subarray(0, n), at >> 2);
      this.copies++;
    }
    return at;
  }

  /** True when every take since begin() fitted. */
  get fits(): boolean {
    return this.scratchTop >= 0;
  }

  /** Whether this call's scratch did not fit, so its caller runs the fast kernel: such a call counts in `fallbacks`. */
  overflowed(): boolean {
    if (this.fits) return false;
    this.fallbacks++;
    return true;
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}
