// Writes the tiny ResNet of tiny-resnet.ts as a model folder (config.json + model.safetensors).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../../src/tensor/io/safetensors.js';
import { tinyConfig, tinyTensors } from './tiny-resnet.js';

export const tmpRoot = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix));

/** root/name/{config.json (object, or raw text), model.safetensors (without tensor `drop`)}. */
export function writeTinyModel(root: string, name: string, config: unknown = tinyConfig(), drop?: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const t: Record<string, TensorToWrite> = {};
  for (const [k, v] of tinyTensors()) if (k !== drop) t[k] = { dtype: 'F32', shape: v.shape, data: v.data };
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(t));
  return dir;
}
