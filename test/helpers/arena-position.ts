import type { Arena } from '../../src/tensor/arena.js';

/** Where the arena's next take would land ([buffer, byteOffset]); takes nothing. Tests compare it before and after a forward to show its temporaries were released. */
export function nextTakeAt(arena: Arena): [ArrayBufferLike, number] {
  const m = arena.mark();
  const v = arena.take(1);
  arena.release(m);
  return [v.buffer, v.byteOffset];
}
