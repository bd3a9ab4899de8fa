import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLittleEndian, toLittleEndian } from '../../../src/tensor/io/endian.js';

test('isLittleEndian agrees with a DataView read of a native Uint16', () => {
  const b = new Uint16Array([0x0102]);
  assert.is(isLittleEndian(), new DataView(b.buffer).getUint16(0, true) === 0x0102);
});

test('toLittleEndian reverses each element of the range in place, and nothing outside it', () => {
  const bytes = Uint8Array.from([9, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  toLittleEndian(bytes, 1, 8, 4);
  assert.equal([...bytes], [9, 4, 3, 2, 1, 8, 7, 6, 5, 9]);
  toLittleEndian(bytes, 1, 4, 2);
  assert.equal([...bytes], [9, 3, 4, 1, 2, 8, 7, 6, 5, 9]);
});

test.run();
