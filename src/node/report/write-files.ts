/**
 * Writing a command's output files (report.html, summary.json, trace.csv, claims.md, *.svg...): the
 * folder created, each file written whole; a failure (a file where the folder should be, no space,
 * no permission) is an IoError naming the path, which the CLI prints as one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../datasets/idx-file.js';

const reason = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Creates `dir` (and its parents) when missing. */
export function ensureDir(dir: string, where: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IoError(`${where}: cannot create the folder: got '${dir}' (${reason(e)}), expected a writable folder path`, { cause: e });
  }
}

/** Writes each `name -> text` into `dir` (created when missing), in order; returns the paths written. */
export function writeFiles(dir: string, files: ReadonlyArray<readonly [string, string]>, where: string): string[] {
  ensureDir(dir, where);
  return files.map(([name, text]) => {
    const path = join(dir, name);
    try {
      writeFileSync(path, text);
    } catch (e) {
      throw new IoError(`${where}: cannot write: got '${path}' (${reason(e)}), expected a writable file`, { cause: e });
    }
    return path;
  });
}
