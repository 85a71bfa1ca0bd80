import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceBuffer } from './trace-buffer';

test('push places samples at t0 + i/rate and forEachBetween reads (from, to]', () => {
  const b = new TraceBuffer(100);
  b.push(1000, 500, new Float32Array([1, 2, 3, 4]));
  const got: [number, number][] = [];
  b.forEachBetween(1000, 1004, (t, v) => got.push([t, v]));
  assert.deepEqual(got, [
    [1002, 2],
    [1004, 3],
  ]);
  assert.equal(b.lastTime, 1006);
});

test('the ring keeps the newest capacity samples in order across wrap-around', () => {
  const b = new TraceBuffer(5);
  for (let k = 0; k < 4; k++) b.push(k * 30, 100, new Float32Array([k * 3, k * 3 + 1, k * 3 + 2]));
  assert.equal(b.length, 5);
  const got: number[] = [];
  b.forEachBetween(-Infinity, Infinity, (_t, v) => got.push(v));
  assert.deepEqual(got, [7, 8, 9, 10, 11]);
});

test('older or duplicate samples are ignored (reordered delivery never draws backwards)', () => {
  const b = new TraceBuffer(10);
  b.push(100, 100, new Float32Array([1, 2]));
  b.push(90, 100, new Float32Array([9, 9, 9]));
  const got: number[] = [];
  b.forEachBetween(-Infinity, Infinity, (_t, v) => got.push(v));
  assert.deepEqual(got, [1, 2]);
});

test('a block far in the past (clock corrected) restarts the buffer instead of being refused', () => {
  const b = new TraceBuffer(10);
  b.push(100_000, 100, new Float32Array([1, 2]));
  b.push(1_000, 100, new Float32Array([7, 8]));
  const got: number[] = [];
  b.forEachBetween(-Infinity, Infinity, (_t, v) => got.push(v));
  assert.deepEqual(got, [7, 8]);
});
