/** Byte order: safetensors (and the wire) are little-endian; typed arrays use the host's order. */

/** Whether typed arrays on this host store their elements little-endian (every common host does). */
export function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Reverses each `size`-byte element of bytes[at, at + length) in place: host big-endian to little-endian. */
export function toLittleEndian(bytes: Uint8Array, at: number, length: number, size: number): void {
  for (let i = at; i < at + length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
