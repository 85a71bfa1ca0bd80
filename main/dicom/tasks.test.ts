/**
 * The pixel task's two native 16-bit paths give the same volume: read into the SIMD kernel's
 * own memory and copied into a SharedArrayBuffer, or read straight into a shared
 * WebAssembly.Memory (the volume) and converted there. (loader.test.ts checks the loaded
 * volume, built by the second path, against gdcmraw.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { KERNEL_SCRATCH_BYTES, sharedVolumeMemory } from './simd';
import { headerTask, runTask, type FrameResult, type PixelItem, type Response } from './tasks';
import { PHANTOM, missingData } from './testutil';

test('pixels into a shared WebAssembly.Memory, converted in place, equal the copy path voxel for voxel (phantom)', { skip: missingData(PHANTOM) }, async () => {
  const files = fs
    .readdirSync(PHANTOM)
    .filter((f) => f !== 'DIRFILE')
    .sort()
    .slice(0, 24)
    .map((f) => path.join(PHANTOM, f));
  const slice = 512 * 512;
  // Reversed slots and one odd slot offset, so frames land away from where a file's order puts them.
  const items: PixelItem[] = files.map((f, k) => {
    const header = headerTask({ path: f });
    const fr = header.frames[0];
    return { source: { path: f }, header, jobs: [{ frame: 0, outOffset: (files.length - 1 - k) * slice + 3, slope: fr.slope, intercept: fr.intercept }] };
  });
  const voxels = files.length * slice + 3;
  const run = async (out: SharedArrayBuffer, mem?: WebAssembly.Memory, scratch?: number) => {
    const res = (await runTask({ type: 'pixelsBatch', id: 1, items, out, outType: 'int16', ...(mem ? { mem, scratch } : {}) })) as Extract<
      Response,
      { type: 'pixelsBatch' }
    >;
    return { results: res.results, data: new Int16Array(out, 0, voxels) };
  };
  const copied = await run(new SharedArrayBuffer(voxels * 2));
  const scratch = Math.ceil((voxels * 2) / 16) * 16;
  const mem = sharedVolumeMemory(scratch + KERNEL_SCRATCH_BYTES);
  assert.ok(mem);
  const inPlace = await run(mem.buffer as unknown as SharedArrayBuffer, mem, scratch);
  assert.ok(
    new Uint8Array(mem.buffer, scratch, KERNEL_SCRATCH_BYTES).some((x) => x !== 0),
    'the in-place kernel ran (its scratch holds lane results)',
  );
  assert.ok(copied.results.flat().every((r: FrameResult) => r.ok));
  assert.deepEqual(inPlace.results, copied.results);
  assert.ok(Buffer.from(inPlace.data.buffer, 0, voxels * 2).equals(Buffer.from(copied.data.buffer, 0, voxels * 2)), 'volumes differ');
  // Real values, not raw samples: CT air is about -1000 HU.
  assert.ok(copied.data[3] < -900, `${copied.data[3]}`);
});
