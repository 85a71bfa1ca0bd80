import assert from 'node:assert/strict';
import { test } from 'node:test';
import { voxelToPatient, type Vec3 } from '../../common/geometry';
import { buildStackGeometry, type FrameGeometry } from './geometry';

const AXIAL: FrameGeometry['iop'] = [1, 0, 0, 0, 1, 0];

function stack(positions: Vec3[], iop = AXIAL, ps: [number, number] = [0.5, 0.25]): FrameGeometry[] {
  return positions.map((ipp, i) => ({ ipp, iop, pixelSpacing: ps, rows: 4, columns: 3, order: i + 1 }));
}

function close(a: readonly number[], b: readonly number[], eps = 1e-9): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= eps, `index ${i}: ${v} vs ${b[i]}`));
}

test('geometry: slices sorted by position along the normal, not by instance number or input order', () => {
  const pos: Vec3[] = [
    [0, 0, 3],
    [0, 0, 1],
    [0, 0, 2],
    [0, 0, 0],
  ];
  const frames = stack(pos).map((f, i) => ({ ...f, order: [1, 2, 3, 4][i] }));
  const g = buildStackGeometry(frames);
  assert.deepEqual(g.sortedInputs, [3, 1, 2, 0]);
  assert.deepEqual(g.origin, [0, 0, 0]);
  assert.deepEqual(g.dimensions, [3, 4, 4]);
  // column spacing = PixelSpacing[1], row spacing = PixelSpacing[0]
  close(g.spacing, [0.25, 0.5, 1]);
  close(g.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(g.warnings.length, 0);
  assert.equal(g.interpolated, false);
});

test('geometry: normal pointing opposite to patient z (feet-first coronal-like) sorts along the normal', () => {
  // row = +x, col = -z  => normal = row x col = (0, 1, 0)... use a sagittal: row=+y, col=-z, normal=-x
  const iop: FrameGeometry['iop'] = [0, 1, 0, 0, 0, -1];
  const pos: Vec3[] = [
    [10, 0, 0],
    [12, 0, 0],
    [11, 0, 0],
  ];
  const g = buildStackGeometry(stack(pos, iop));
  // normal (0,1,0)x(0,0,-1) = (-1, 0, 0): first slice is the one with the largest x
  assert.deepEqual(g.origin, [12, 0, 0]);
  close(g.direction.slice(6), [-1, 0, 0]);
  close(g.spacing, [0.25, 0.5, 1]);
});

test('geometry: gantry tilt gives an oblique slice direction and the true step length', () => {
  const tiltDeg = 20;
  const t = Math.tan((tiltDeg * Math.PI) / 180);
  const pos: Vec3[] = [0, 1, 2, 3, 4].map((k) => [0, 2 * k * t, 2 * k] as Vec3); // 2 mm along z, shifted in y
  const g = buildStackGeometry(stack(pos), { gantryTiltTagDeg: tiltDeg });
  assert.ok(Math.abs(g.tiltDeg - tiltDeg) < 1e-9, `tilt ${g.tiltDeg}`);
  assert.ok(Math.abs(g.spacing[2] - 2 / Math.cos((tiltDeg * Math.PI) / 180)) < 1e-9);
  // Every slice origin is reproduced exactly by the volume's affine.
  pos.forEach((p, k) => close(voxelToPatient(g, [0, 0, k]), p, 1e-9));
  assert.ok(g.warnings.some((w) => /tilt/.test(w)));
});

test('geometry: oblique orientation is kept exactly, positions reproduced', () => {
  const a = (30 * Math.PI) / 180;
  const row: Vec3 = [Math.cos(a), Math.sin(a), 0];
  const col: Vec3 = [0, 0, -1];
  const n: Vec3 = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]];
  const pos: Vec3[] = [0, 1, 2].map((k) => [5 + 1.5 * k * n[0], -3 + 1.5 * k * n[1], 7 + 1.5 * k * n[2]] as Vec3);
  const g = buildStackGeometry(stack(pos.reverse(), [...row, ...col] as FrameGeometry['iop']));
  assert.equal(g.oblique, true);
  close(g.spacing, [0.25, 0.5, 1.5]);
  close(voxelToPatient(g, [0, 0, 0]), [5, -3, 7]);
  close(voxelToPatient(g, [0, 0, 2]), [5 + 3 * n[0], -3 + 3 * n[1], 7 + 3 * n[2]]);
  assert.ok(g.tiltDeg < 1e-6);
});

test('geometry: a missing slice is detected and filled by interpolation at the right place', () => {
  const pos: Vec3[] = [0, 1, 2, 4, 5].map((z) => [0, 0, z] as Vec3);
  const g = buildStackGeometry(stack(pos));
  assert.equal(g.missingSlices, 1);
  assert.equal(g.dimensions[2], 6);
  assert.equal(g.spacing[2], 1);
  assert.deepEqual(g.plan[3], { a: 2, b: 3, w: 0.5 });
  assert.deepEqual(g.plan[4], { a: 3, b: 3, w: 0 });
  assert.ok(g.warnings.some((w) => /missing slices: 1/.test(w)));
});

test('geometry: uneven spacing is detected and resampled on a uniform grid', () => {
  const pos: Vec3[] = [0, 1, 2, 3.5, 4.5, 5.5].map((z) => [0, 0, z] as Vec3);
  const g = buildStackGeometry(stack(pos));
  assert.ok(
    g.warnings.some((w) => /uneven slice spacing: gaps 1\.\.1\.5 mm/.test(w)),
    g.warnings.join('|'),
  );
  assert.equal(g.interpolated, true);
  assert.equal(g.spacing[2], 1);
  assert.equal(g.dimensions[2], Math.round(5.5 / 1) + 1);
  // output slice 3 sits at z=3: between input 2 (z=2) and 3 (z=3.5), w = 2/3
  assert.equal(g.plan[3].a, 2);
  assert.equal(g.plan[3].b, 3);
  assert.ok(Math.abs(g.plan[3].w - 2 / 3) < 1e-12);
});

test('geometry: duplicate positions are dropped and reported', () => {
  const pos: Vec3[] = [
    [0, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
    [0, 0, 2],
  ];
  const g = buildStackGeometry(stack(pos));
  assert.equal(g.dimensions[2], 3);
  assert.deepEqual(g.duplicates, [{ input: 2, sameAs: 1 }]);
  assert.ok(g.warnings.some((w) => /duplicate position/.test(w)));
});

test('geometry: no position/orientation falls back to identity with InstanceNumber order and says so', () => {
  const frames: FrameGeometry[] = [3, 1, 2].map((order) => ({ rows: 2, columns: 2, order }));
  const g = buildStackGeometry(frames, { fallbackSliceSpacing: 2.5 });
  assert.deepEqual(g.sortedInputs, [1, 2, 0]);
  assert.deepEqual(g.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(g.spacing, [1, 1, 2.5]);
  assert.equal(g.hasPatientGeometry, false);
  assert.ok(g.warnings.some((w) => /no patient geometry/.test(w)));
  assert.ok(g.warnings.some((w) => /no PixelSpacing/.test(w)));
});

test('geometry: single slice uses the fallback step along the normal', () => {
  const g = buildStackGeometry(stack([[1, 2, 3]]), { fallbackSliceSpacing: 5 });
  assert.deepEqual(g.dimensions, [3, 4, 1]);
  assert.equal(g.spacing[2], 5);
  close(g.direction.slice(6), [0, 0, 1]);
});
