/** The buffer-length check the kernels share: a module function, so a kernel call makes no closure. */
import { ShapeError } from '../errors.js';

/** Throws a ShapeError unless arr holds at least n elements. */
export function needElements(where: string, name: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length < n) throw new ShapeError(`${where}: ${name} is too short: got ${arr.length} elements, expected at least ${n}`);
}
