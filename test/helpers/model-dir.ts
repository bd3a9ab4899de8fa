// Where the fmnist-resnet model folder is: the real export (weights/fmnist-resnet) or, while it is
// being trained, the smoke export of tools/resnet/export.py (tools/resnet/out/smoke; git-ignored).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REAL_MODEL_DIR = 'weights/fmnist-resnet';
export const SMOKE_MODEL_DIR = 'tools/resnet/out/smoke';

/** The model folder to test against, or null when neither has config + weights + golden. */
export function fmnistModelDir(): { dir: string; smoke: boolean } | null {
  for (const [dir, smoke] of [[REAL_MODEL_DIR, false], [SMOKE_MODEL_DIR, true]] as const) {
    if (['config.json', 'model.safetensors', 'golden.safetensors'].every((f) => existsSync(join(dir, f)))) return { dir, smoke };
  }
  return null;
}
