/**
 * Typed errors of the whole project. Every message reads
 *   `<where>: <what is wrong>: got <actual>, expected <expected>[; <hint>]`
 * and every class carries a stable `code`, so callers (and the HTTP server) can branch on the kind
 * of failure without parsing text.
 */

export type ErrorCode =
  | 'E_SHAPE' // tensor shapes or sizes disagree
  | 'E_VALUE' // a value is out of range, NaN or infinite
  | 'E_FORMAT' // a file or wire blob is malformed
  | 'E_CONFIG' // a model config and its weights disagree, or a config is invalid
  | 'E_ARGUMENT' // a caller passed an invalid option
  | 'E_STATE' // an object was used in a state that does not allow the call
  | 'E_IO'; // reading or writing outside the process failed (node-only layer)

export class SpliteeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ShapeError extends SpliteeError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

export class ValueError extends SpliteeError {
  constructor(message: string) {
    super('E_VALUE', message);
  }
}

export class FormatError extends SpliteeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_FORMAT', message, options);
  }
}

export class ConfigError extends SpliteeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, options);
  }
}

export class ArgumentError extends SpliteeError {
  constructor(message: string) {
    super('E_ARGUMENT', message);
  }
}

export class StateError extends SpliteeError {
  constructor(message: string) {
    super('E_STATE', message);
  }
}

/** `[1,16,28,28]`: shapes are always printed with brackets and no spaces. */
export function formatShape(shape: ArrayLike<number>): string {
  return `[${Array.from(shape).join(',')}]`;
}

/** formatShape for an untrusted shape: its rank alone past 16 axes (a hostile file may have 10^5). */
export function shapeText(shape: ArrayLike<number>): string {
  return shape.length <= 16 ? formatShape(shape) : `a shape of ${shape.length} axes`;
}

/**
 * A short, bounded description of an untrusted value for an error message: short strings quoted,
 * numbers as is, short arrays of numbers as `[1,8]`,
 * other containers by size only (`an object with 3 keys`). Never serializes a container,
 * so a deeply nested or huge value cannot overflow the stack or flood a log.
 */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v.length <= 40 ? JSON.stringify(v) : `a string of ${v.length} chars: ${JSON.stringify(v.slice(0, 32))}...`;
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint': {
      const s = String(v);
      return s.length <= 40 ? `${s}n` : `a bigint of ${s.length} digits`;
    }
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) {
        if (v.length <= 8 && v.every((x) => typeof x === 'number')) return `[${v.join(',')}]`;
        return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
      }
      if (ArrayBuffer.isView(v)) return `a ${Object.prototype.toString.call(v).slice(8, -1)}`;
      return `an object with ${Object.keys(v).length} key${Object.keys(v).length === 1 ? '' : 's'}`;
    default:
      return `a ${typeof v}`;
  }
}
