// Waiting for a `splitee serve` child process to listen: resolves with its URL (the first match of
// `pattern`'s group 1 on stdout), rejects with its output when it exits first.
import type { ChildProcessWithoutNullStreams, ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

type ServeChild = ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>;

export const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

export function listeningUrl(child: ServeChild, pattern: RegExp = LISTENING): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = pattern.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}
