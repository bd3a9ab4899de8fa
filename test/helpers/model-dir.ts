// The shipped fmnist-resnet model folder. It is part of the repository, so a test that needs it fails
// (it never skips) when it is missing or incomplete.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const FMNIST_MODEL_DIR = 'weights/fmnist-resnet';

/** The shipped model folder; throws if config, weights or golden file are missing. */
export function fmnistModelDir(): { dir: string } {
  for (const f of ['config.json', 'model.safetensors', 'golden.safetensors']) {
    if (!existsSync(join(FMNIST_MODEL_DIR, f))) throw new Error(`test helper: shipped model file missing: got no ${join(FMNIST_MODEL_DIR, f)}, expected the committed weights`);
  }
  return { dir: FMNIST_MODEL_DIR };
}
