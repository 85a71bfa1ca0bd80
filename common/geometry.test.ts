import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Volume, VolumeGeometry } from './volume';
import {
  OUTSIDE,
  extractSlice,
  invertAffine,
  invertRigid,
  multiply4,
  patientBounds,
  patientToSlicePixel,
  patientToVoxel,
  patientToVoxelMatrix,
  sampleTrilinear,
  sliceSpec,
  slicePixelToPatient,
  transformPoint,
  viewLabels,
  voxelToPatient,
  voxelToPatientMatrix,
  windowLut,
  type Vec3,
} from './geometry';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, msg = '') => {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${msg} [${i}] ${a[i]} vs ${b[i]} (tol ${tol})`);
};

/** A CT stack rotated 30° about z (oblique) with 20° gantry tilt: slice step not normal to the image plane. */
function obliqueTilted(): VolumeGeometry {
  const a = (30 * Math.PI) / 180;
  const row: Vec3 = [Math.cos(a), Math.sin(a), 0];
  const col: Vec3 = [-Math.sin(a), Math.cos(a), 0];
  const tilt = (20 * Math.PI) / 180;
  // Tilt: each slice origin moves along z and along the column direction.
  const step: Vec3 = [col[0] * Math.sin(tilt), col[1] * Math.sin(tilt), Math.cos(tilt)];
  return { dimensions: [40, 30, 20], spacing: [0.8, 0.7, 2.5], origin: [-12, 30, -700], direction: [...row, ...col, ...step] as VolumeGeometry['direction'] };
}

test('voxel -> patient follows the Volume contract; patient -> voxel inverts it (oblique, tilted)', () => {
  const axial: VolumeGeometry = {
    dimensions: [512, 512, 140],
    spacing: [0.4512, 0.4512, 1],
    origin: [-115.5, -1.85, 694.21],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  close(voxelToPatient(axial, [10, 20, 3]), [-115.5 + 10 * 0.4512, -1.85 + 20 * 0.4512, 697.21], 1e-9);
  const g = obliqueTilted();
  const m = voxelToPatientMatrix(g);
  for (const ijk of [
    [0, 0, 0],
    [39, 29, 19],
    [12.5, 3.25, 7.75],
  ]) {
    const p = voxelToPatient(g, ijk);
    // P = origin + i*sx*row + j*sy*col + k*sz*step, written out.
    const d = g.direction;
    const expect = [0, 1, 2].map((a) => g.origin[a] + ijk[0] * g.spacing[0] * d[a] + ijk[1] * g.spacing[1] * d[3 + a] + ijk[2] * g.spacing[2] * d[6 + a]);
    close(p, expect, 1e-9, 'forward');
    close(patientToVoxel(g, p), ijk, 1e-9, 'inverse');
  }
  close(multiply4(m, invertAffine(m)), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12, 'M * M^-1');
  close(multiply4(patientToVoxelMatrix(g), m), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12);
  assert.throws(() => invertAffine(new Float64Array(16)), /singular/);
});

test('patient bounds enclose every voxel', () => {
  const g = obliqueTilted();
  const [lo, hi] = patientBounds(g);
  for (const ijk of [
    [0, 0, 0],
    [39, 0, 19],
    [0, 29, 0],
    [39, 29, 19],
  ]) {
    const p = voxelToPatient(g, ijk);
    for (let a = 0; a < 3; a++) assert.ok(p[a] >= lo[a] && p[a] <= hi[a]);
  }
});

test('view labels: radiological convention (patient right on screen left)', () => {
  assert.deepEqual(viewLabels('axial'), ['R', 'L', 'A', 'P']);
  assert.deepEqual(viewLabels('coronal'), ['R', 'L', 'S', 'I']);
  assert.deepEqual(viewLabels('sagittal'), ['A', 'P', 'S', 'I']);
});

/** A volume whose value is a linear function of the patient position: trilinear sampling must reproduce it. */
function linearVolume(g: VolumeGeometry, f: (p: Vec3) => number): Volume {
  const [nx, ny, nz] = g.dimensions;
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[(k * ny + j) * nx + i] = f(voxelToPatient(g, [i, j, k]));
  return { ...g, data, valueRange: [0, 0], unit: '', modality: 'CT', description: 'linear' };
}

test('slice extraction samples the volume where the patient plane really cuts it (oblique, tilted)', () => {
  const g = obliqueTilted();
  const f = (p: Vec3) => 0.5 * p[0] - 0.25 * p[1] + 0.125 * p[2];
  const vol = linearVolume(g, f);
  const centre = voxelToPatient(g, [20, 15, 10]);
  for (const o of ['axial', 'coronal', 'sagittal'] as const) {
    const s = sliceSpec(g, o, centre, 0.5);
    const out = new Float32Array(s.width * s.height);
    extractSlice(vol, s, out);
    let inside = 0;
    for (let py = 0; py < s.height; py += 3)
      for (let px = 0; px < s.width; px += 3) {
        const p = slicePixelToPatient(s, px, py);
        const ijk = patientToVoxel(g, p);
        const v = out[py * s.width + px];
        const interior = ijk.every((x, a) => x >= 0 && x <= g.dimensions[a] - 1);
        const outside = ijk.some((x, a) => x < -0.5 || x > g.dimensions[a] - 0.5);
        if (interior) {
          inside++;
          assert.ok(Math.abs(v - f(p)) < 1e-3, `${o} (${px},${py}): ${v} vs ${f(p)}`);
        } else if (outside) assert.equal(v, OUTSIDE);
        // The plane passes through the crosshair: every pixel has the crosshair's normal coordinate.
        assert.ok(Math.abs(patientToSlicePixel(s, p).depthMm - patientToSlicePixel(s, centre).depthMm) < 1e-9);
      }
    assert.ok(inside > 50, `${o}: ${inside} interior samples`);
    // The crosshair maps to a pixel of this slice and back.
    const c = patientToSlicePixel(s, centre);
    close(slicePixelToPatient(s, c.x, c.y), centre, 1e-9);
  }
});

test('a marker voxel shows up in the axial slice at its patient position, despite tilt', () => {
  const g = obliqueTilted();
  const [nx, ny, nz] = g.dimensions;
  const data = new Int16Array(nx * ny * nz).fill(-1000);
  const mark = [25, 7, 12];
  data[(mark[2] * ny + mark[1]) * nx + mark[0]] = 3000;
  const vol: Volume = { ...g, data, valueRange: [-1000, 3000], unit: 'HU', modality: 'CT', description: 'marker' };
  const p = voxelToPatient(g, mark);
  const s = sliceSpec(g, 'axial', p, 0.25);
  const out = new Int16Array(s.width * s.height);
  extractSlice(vol, s, out, { nearest: true });
  let best = -1,
    bestV = -Infinity;
  for (let i = 0; i < out.length; i++)
    if (out[i] > bestV) {
      bestV = out[i];
      best = i;
    }
  assert.equal(bestV, 3000);
  // The bright pixels' centroid is the marker's patient (x, y).
  let sx = 0,
    sy = 0,
    n = 0;
  for (let i = 0; i < out.length; i++)
    if (out[i] === 3000) {
      const q = slicePixelToPatient(s, i % s.width, Math.floor(i / s.width));
      sx += q[0];
      sy += q[1];
      n++;
    }
  close([sx / n, sy / n], [p[0], p[1]], 0.3);
  assert.ok(best >= 0);
});

test('rows can be extracted in pieces (spread over frames) with the same result', () => {
  const g = obliqueTilted();
  const vol = linearVolume(g, (p) => p[0] + 2 * p[1]);
  const s = sliceSpec(g, 'coronal', voxelToPatient(g, [10, 10, 10]), 0.6);
  const whole = new Float32Array(s.width * s.height);
  extractSlice(vol, s, whole);
  const parts = new Float32Array(s.width * s.height);
  let row = 0;
  while (row < s.height) row = extractSlice(vol, s, parts, { rowFrom: row, rowTo: row + 7 });
  assert.deepEqual(parts, whole);
});

test('trilinear point sampling agrees with slice extraction and returns NaN outside', () => {
  const g = obliqueTilted();
  const vol = linearVolume(g, (p) => p[2]);
  const p = voxelToPatient(g, [3.3, 4.4, 5.5]);
  assert.ok(Math.abs(sampleTrilinear(vol, patientToVoxel(g, p)) - p[2]) < 1e-3);
  assert.ok(Number.isNaN(sampleTrilinear(vol, [-1, 0, 0])));
  close(transformPoint(voxelToPatientMatrix(g), [0, 0, 0]), g.origin, 1e-12);
});

test('window lookup: linear between centre ± width/2', () => {
  const lut = windowLut(40, 400);
  assert.equal(lut[-160 + 32768], 0);
  assert.equal(lut[-161 + 32768], 0);
  assert.equal(lut[240 + 32768], 255);
  assert.equal(lut[40 + 32768], 128);
  assert.equal(lut[0], 0);
  assert.equal(lut[65535], 255);
});

test('invertRigid: the inverse pose as a Float32Array, M * M^-1 = I', () => {
  // 90° about z then a translation: the demo tracker pose (common/phantom.ts).
  const m = new Float32Array([0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 12, -240, 35, 1]);
  const inv = invertRigid(m);
  assert.ok(inv instanceof Float32Array);
  close(inv, [0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 240, 12, -35, 1], 0);
  close(multiply4(m, inv), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-6);
  close(transformPoint(inv, transformPoint(m, [3, -4, 5])), [3, -4, 5], 1e-4);
  assert.throws(() => invertRigid(new Float32Array(16)), /singular/);
});
