import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeFrame, type StoreResult } from './pixels';
import { decodeRleFrame } from './rle';
import { KERNEL_SCRATCH_BYTES, maskOrShift, sharedKernel, sharedVolumeMemory, simdKernel } from './simd';

function samples(n: number): Uint16Array {
  const s = new Uint16Array(n);
  for (let i = 0; i < n; i++) s[i] = (Math.imul(i, 2654435761) >>> 7) & 0xffff;
  return s;
}

/** The 16-bit layouts the kernel tests check: signed, bits stored, intercept. */
const KERNEL_CASES = [
  [false, 12, -1024],
  [true, 12, 0],
  [true, 16, -3],
  [false, 16, 7],
] as const;

/** n test samples and what the scalar path (storeFrame) makes of them, as the kernels must. */
function scalarPath(n: number, signed: boolean, bs: number, icpt: number): { src: Uint16Array; want: Int16Array; r: StoreResult } {
  const src = samples(n);
  const want = new Int16Array(n);
  const r = storeFrame(
    new Uint8Array(src.buffer),
    n,
    { bitsAllocated: 16, bitsStored: bs, pixelRepresentation: signed ? 1 : 0, monochrome1: false, slope: 1, intercept: icpt },
    want,
    0,
  );
  return { src, want, r };
}

test('simd kernel equals the scalar path: unsigned masked and signed sign-extended, with a tail', () => {
  const k = simdKernel();
  assert.ok(k, 'WebAssembly SIMD available in Node 20');
  const n = 1000 * 3 + 5; // not a multiple of 8
  for (const [signed, bs, icpt] of KERNEL_CASES) {
    const { src, want, r } = scalarPath(n, signed, bs, icpt);
    const mem = k.reserve(n);
    new Uint16Array(mem.buffer, 0, n).set(src);
    const [mn, mx] = k.run(n, signed, maskOrShift(signed, bs), icpt);
    const got: Int16Array = new Int16Array(k.bytes.buffer, 0, n);
    if (!r.overflow) assert.deepEqual(Array.from(got), Array.from(want), `signed=${signed} bs=${bs}`);
    assert.equal(mn + icpt, r.min);
    assert.equal(mx + icpt, r.max);
  }
});

test('simd kernel on a shared WebAssembly.Memory converts in place at any even offset, equal to the scalar path', () => {
  const n = 1000 * 3 + 5;
  const at = 2 * 777; // an even byte offset that is not 16-aligned
  const scratch = Math.ceil((at + 2 * n) / 16) * 16;
  const mem = sharedVolumeMemory(scratch + KERNEL_SCRATCH_BYTES);
  if (!mem) return assert.fail('shared WebAssembly.Memory available in Node 20');
  assert.ok(mem.buffer instanceof SharedArrayBuffer);
  const k = sharedKernel(mem);
  if (!k) return assert.fail('SIMD kernel on shared memory');
  for (const [signed, bs, icpt] of KERNEL_CASES) {
    const { src, want, r } = scalarPath(n, signed, bs, icpt);
    const before = new Uint8Array(mem.buffer, 0, at).slice();
    new Uint16Array(mem.buffer, at, n).set(src);
    const range: [number, number] = k.run(at, n, signed, maskOrShift(signed, bs), icpt, scratch);
    if (!r.overflow) assert.deepEqual(Array.from(new Int16Array(mem.buffer, at, n)), Array.from(want), `signed=${signed} bs=${bs}`);
    assert.deepEqual(new Uint8Array(mem.buffer, 0, at), before, 'bytes before the frame untouched');
    assert.deepEqual([range[0] + icpt, range[1] + icpt], [r.min, r.max]);
  }
});

test('storeFrame: MONOCHROME1 inversion, slope/intercept to Float32, 8-bit', () => {
  const out = new Float32Array(3);
  const r = storeFrame(
    new Uint8Array([0, 10, 255]),
    3,
    { bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, monochrome1: true, slope: 0.5, intercept: 1 },
    out,
    0,
  );
  assert.deepEqual(Array.from(out), [128.5, 123.5, 1]);
  assert.deepEqual([r.min, r.max], [1, 128.5]);
});

test('RLE: PackBits segments, most significant byte first (PS3.5 G.3)', () => {
  // 2x2 16-bit: values 0x0102, 0x0102, 0x0304, 0x0506. Segment 1 = high bytes, 2 = low bytes.
  const hi = [0xff, 0x01, 0x01, 0x03, 0x05]; // replicate 0x01 x2, literal [03 05]
  const lo = [0x03, 0x02, 0x02, 0x04, 0x06]; // literal of 4
  const header = new Uint8Array(64);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, 2, true);
  dv.setUint32(4, 64, true);
  dv.setUint32(8, 64 + hi.length, true);
  const frame = new Uint8Array([...header, ...hi, ...lo]);
  const out = decodeRleFrame(frame, 2, 2, 1, 2);
  assert.deepEqual(Array.from(new Uint16Array(out.buffer)), [0x0102, 0x0102, 0x0304, 0x0506]);
  assert.throws(() => decodeRleFrame(frame.subarray(0, 66), 2, 2, 1, 2), /ends early|out of range/);
});
