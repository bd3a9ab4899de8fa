// The part of cli-progress 3.12 (no bundled types; @types/cli-progress is not installed) that the
// CLI uses: one bar on a stream.
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
  }
  export class SingleBar {
    constructor(options: Options, preset?: object);
    start(total: number, start: number, payload?: Record<string, unknown>): void;
    increment(step?: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }
  export const Presets: { shades_classic: object };
  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default cliProgress;
}
