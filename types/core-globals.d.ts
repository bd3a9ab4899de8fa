// The core targets every JavaScript runtime (browsers, edge workers, Deno, Node), so it compiles
// against lib ES2022 only. These two globals exist in all of those runtimes; they are declared here
// (and nothing else is) so that the core cannot reach for a Node-only API by accident.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
