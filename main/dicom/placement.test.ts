/**
 * Pixels placed during the header scan (placement.ts) give exactly the volume of the two-pass
 * load, whatever the file names; a prediction the geometry does not confirm is read again; a
 * released volume's memory is reused by the next load.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadSeries, releaseVolume, sharedPool, volumeMemoryStats, type LoadedSeries } from './index';
import type { FileHeader } from './parse';
import { claimSlot, layoutSlot, newScanPlan, predictLayout, readLayout, tryLayout } from './placement';
import { headerTask } from './tasks';
import { PHANTOM, SYNTAXES, missingData, tempDir } from './testutil';

after(() => sharedPool().close());

const images = () =>
  fs.existsSync(PHANTOM)
    ? fs
        .readdirSync(PHANTOM)
        .filter((f) => /^I\d+$/.test(f))
        .sort()
    : [];

/** The phantom behind symlinks named by `name(file, index in IPP order)`. */
function linked(name: (f: string, k: number) => string): string {
  const tmp = tempDir();
  const byZ = images()
    .map((f) => ({ f, z: headerTask({ path: path.join(PHANTOM, f) }).frames[0].ipp![2] }))
    .sort((a, b) => a.z - b.z);
  byZ.forEach(({ f }, k) => fs.symlinkSync(path.join(PHANTOM, f), path.join(tmp, name(f, k))));
  return tmp;
}

function bytes(s: LoadedSeries): Buffer {
  const d = s.volume!.data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

function sameSeries(a: LoadedSeries, b: LoadedSeries): void {
  assert.deepEqual(a.volume!.dimensions, b.volume!.dimensions);
  assert.deepEqual(a.volume!.origin, b.volume!.origin);
  assert.deepEqual(a.volume!.spacing, b.volume!.spacing);
  assert.deepEqual(a.volume!.direction, b.volume!.direction);
  assert.deepEqual(a.volume!.valueRange, b.volume!.valueRange);
  assert.deepEqual(a.warnings, b.warnings);
  assert.equal(a.filesUsed, b.filesUsed);
  assert.ok(bytes(a).equals(bytes(b)), 'voxels differ');
}

test('phantom: placed during the scan equals the two-pass load voxel for voxel', { skip: missingData(PHANTOM) }, async () => {
  const two = (await loadSeries(PHANTOM, { placeDuringScan: false })).series[0];
  const one = (await loadSeries(PHANTOM)).series[0];
  assert.equal(two.placedDuringScan, false);
  assert.equal(one.placedDuringScan, true);
  sameSeries(one, two);
  assert.deepEqual(one.valueRange, [-1024, 1033]);
});

test('file names in reverse and in random order: still placed in one pass, same volume', { skip: missingData(PHANTOM) }, async () => {
  const ref = (await loadSeries(PHANTOM, { placeDuringScan: false })).series[0];
  const n = images().length;
  const reversed = linked((_, k) => `IM${String(n - k).padStart(4, '0')}`);
  // A deterministic shuffle of the positions; names carry no order at all.
  const shuffled = linked((_, k) => `x${((k * 7919) % 1009).toString(36)}-${(k * 104729) % 997}`);
  try {
    for (const dir of [reversed, shuffled]) {
      const s = (await loadSeries(dir)).series[0];
      assert.equal(s.placedDuringScan, true, dir);
      sameSeries(s, ref);
    }
  } finally {
    fs.rmSync(reversed, { recursive: true, force: true });
    fs.rmSync(shuffled, { recursive: true, force: true });
  }
});

test('a prediction the geometry does not confirm (a missing slice) is read again: same volume as two passes', { skip: missingData(PHANTOM) }, async () => {
  const tmp = linked((f) => f);
  try {
    const names = fs.readdirSync(tmp).sort();
    fs.unlinkSync(path.join(tmp, names[40]));
    const two = (await loadSeries(tmp, { placeDuringScan: false })).series[0];
    const one = (await loadSeries(tmp)).series[0];
    assert.equal(one.placedDuringScan, false);
    assert.equal(one.interpolatedSlices, 1);
    sameSeries(one, two);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test(
  'two series in one folder: the predicted one is placed, the other read in its own pass, both exact',
  { skip: missingData(PHANTOM) || missingData(SYNTAXES) },
  async () => {
    const tmp = linked((f) => f);
    const ct = 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm';
    fs.symlinkSync(path.join(SYNTAXES, ct), path.join(tmp, 'zz-other.dcm'));
    try {
      const set = await loadSeries(tmp);
      assert.equal(set.series.length, 2);
      const phantom = set.series.find((s) => s.volume?.dimensions[2] === 140)!;
      const other = set.series.find((s) => s !== phantom)!;
      assert.equal(phantom.placedDuringScan, true);
      assert.equal(other.placedDuringScan, false);
      sameSeries(phantom, (await loadSeries(PHANTOM, { placeDuringScan: false })).series[0]);
      sameSeries(other, (await loadSeries(path.join(SYNTAXES, ct))).series[0]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
);

test('the memory of a released volume is reused by the next load, which rewrites every voxel', { skip: missingData(PHANTOM) }, async () => {
  const first = (await loadSeries(PHANTOM)).series[0];
  const copy = Buffer.from(bytes(first));
  const buffer = first.volume!.data.buffer;
  const before = volumeMemoryStats();
  // Scribble over it, as a stale reader must never see: the next load writes every voxel again.
  new Uint8Array(buffer).fill(0x5a, first.volume!.data.byteOffset, first.volume!.data.byteOffset + first.volume!.data.byteLength);
  assert.equal(releaseVolume(first.volume), true);
  assert.equal(volumeMemoryStats().kept, before.kept + 1);
  const second = (await loadSeries(PHANTOM)).series[0];
  assert.equal(second.volume!.data.buffer, buffer, 'the same memory');
  assert.equal(volumeMemoryStats().reused, before.reused + 1);
  assert.ok(bytes(second).equals(copy), 'voxels differ after reuse');
  assert.equal(releaseVolume({ data: new Int16Array(4) }), false, 'memory not from a load is not taken');
  assert.equal(releaseVolume(first.volume), false, 'a second release of the first volume does not hand back the memory the second now uses');
  assert.equal(volumeMemoryStats().kept, before.kept);
  assert.equal(releaseVolume(second.volume), true);
});

// --- the layout itself (pure) ---------------------------------------------------------------

function fakeHeader(over: Partial<FileHeader> & { z: number }): FileHeader {
  const { z, ...rest } = over;
  return {
    file: `f${z}`,
    fileSize: 600_000,
    transferSyntax: '1.2.840.10008.1.2.1',
    sopClassUid: '',
    sopInstanceUid: `1.${z}`,
    studyInstanceUid: '1',
    seriesInstanceUid: '1.2',
    studyDescription: '',
    seriesDescription: '',
    modality: 'CT',
    patientName: '',
    patientId: '',
    frameOfReferenceUid: '',
    rows: 512,
    columns: 512,
    bitsAllocated: 16,
    bitsStored: 12,
    highBit: 11,
    pixelRepresentation: 0,
    samplesPerPixel: 1,
    photometric: 'MONOCHROME2',
    planarConfiguration: 0,
    numberOfFrames: 1,
    frames: [{ ipp: [-100, -100, z], iop: [1, 0, 0, 0, 1, 0], pixelSpacing: [0.5, 0.5], slope: 1, intercept: -1024 }],
    sliceThickness: 1,
    pixelData: { offset: 8000, length: 524288, inFile: true, encapsulated: false } as FileHeader['pixelData'],
    isDirectory: false,
    perFrameGeometry: false,
    warnings: [],
    ...rest,
  };
}

test('layout: step from the first two images (or the thickness that divides it), slots both ways, misfits refused', () => {
  const plan = newScanPlan(['a', 'b', 'c'], 10, 600_000);
  // First two probed images 3 mm apart, thickness 1 mm divides it: step 1 mm.
  const L = predictLayout([fakeHeader({ z: 20 }), fakeHeader({ z: 23 })], plan)!;
  assert.equal(L.step, 1);
  assert.equal(L.center, 9);
  assert.equal(layoutSlot(fakeHeader({ z: 20 }), L), 9);
  assert.equal(layoutSlot(fakeHeader({ z: 11 }), L), 0);
  assert.equal(layoutSlot(fakeHeader({ z: 29 }), L), 18);
  assert.equal(layoutSlot(fakeHeader({ z: 30 }), L), -1, 'beyond 2n - 1 slots');
  assert.equal(layoutSlot(fakeHeader({ z: 20.5 }), L), -1, 'between slots');
  assert.equal(layoutSlot(fakeHeader({ z: 21, seriesInstanceUid: '9' }), L), -1, 'other series');
  assert.equal(layoutSlot(fakeHeader({ z: 21, rows: 256 }), L), -1, 'other size');
  assert.equal(layoutSlot(fakeHeader({ z: 21, transferSyntax: '1.2.840.10008.1.2.4.70' }), L), -1, 'compressed');
  assert.equal(layoutSlot(fakeHeader({ z: 21, photometric: 'MONOCHROME1' }), L), -1, 'inverted');
  const tilted = fakeHeader({ z: 21 });
  tilted.frames[0].iop = [1, 0, 0, 0, 0.99, 0.141];
  assert.equal(layoutSlot(tilted, L), -1, 'other orientation');
  const scaled = fakeHeader({ z: 21 });
  scaled.frames[0].slope = 0.5;
  assert.equal(layoutSlot(scaled, L), -1, 'non-unit slope');
  // Without thickness, the gap itself is the step.
  assert.equal(predictLayout([fakeHeader({ z: 20, sliceThickness: undefined }), fakeHeader({ z: 22.5, sliceThickness: undefined })], plan)!.step, 2.5);
  // Nothing to predict from.
  assert.equal(predictLayout([fakeHeader({ z: 20, pixelData: undefined })], plan), undefined);
  assert.equal(predictLayout([fakeHeader({ z: 20, rows: 2048, columns: 2048 })], plan), undefined, 'frame larger than a slot');
});

test('layout: decided once through the control block, read back the same; each slot claimed once', () => {
  const plan = newScanPlan(['a', 'b'], 5, 600_000);
  let probes = 0;
  const probe = () => {
    probes++;
    return [fakeHeader({ z: 0, seriesInstanceUid: '1.2.840.99.7' }), fakeHeader({ z: -2, seriesInstanceUid: '1.2.840.99.7' })];
  };
  const L = tryLayout(plan, probe)!;
  assert.equal(tryLayout(plan, probe)!.d0, L.d0);
  assert.equal(probes, 1);
  const back = readLayout(plan)!;
  assert.deepEqual(back, L);
  assert.equal(back.seriesInstanceUid, '1.2.840.99.7');
  assert.equal(claimSlot(plan, 3), true);
  assert.equal(claimSlot(plan, 3), false);
  const none = newScanPlan(['a'], 5, 600_000);
  assert.equal(
    tryLayout(none, () => []),
    null,
  );
  assert.equal(readLayout(none), undefined);
});
