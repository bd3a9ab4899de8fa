// The core targets every JavaScript runtime (browsers, edge workers, Deno, Node), so it compiles
// against lib ES2022 only. These two globals exist in all of those runtimes; they are declared here
// (and nothing else is) so that the core cannot reach for a Node-only API by accident.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

// The live runner (src/splitee/runner.ts, transport.ts) needs a clock, timers and fetch. All of these
// exist in browsers, workers, Deno and Node >= 18; only the members the core uses are declared.
declare const performance: { now(): number };
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare class AbortSignal {
  readonly aborted: boolean;
}
declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}
declare function fetch(
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: Uint8Array; signal?: AbortSignal },
): Promise<FetchResponse>;
