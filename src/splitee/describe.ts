/**
 * A bounded description of an untrusted value for error messages: type and size, never the value
 * serialized whole (JSON.stringify of deep input overflows the stack; of a long one, floods a log).
 */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined (missing)';
  if (Array.isArray(v)) return `an array of ${v.length} entries`;
  switch (typeof v) {
    case 'string':
      return v.length <= 40 ? `the string ${JSON.stringify(v)}` : `a string of ${v.length} characters`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${String(v)}`;
    case 'object':
      return `an object with ${Object.keys(v as object).length} keys`;
    default:
      return `a ${typeof v}`;
  }
}

/** Whether `v` is a non-null, non-array object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
