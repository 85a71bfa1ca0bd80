import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerPoints, expectedTreMm, RegistrationError, symmetricEigen, type FiducialPair } from './registration';
import { distance, transformPoint, type Vec3 } from './geometry';

/** Deterministic PRNG (mulberry32) and a Gaussian from it. */
function rng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
  return { u, gauss };
}

/** A rigid transform (column-major) from an axis-angle rotation and a translation. */
function rigid(axis: Vec3, deg: number, t: Vec3): Float64Array {
  const l = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / l);
  const a = (deg * Math.PI) / 180,
    c = Math.cos(a),
    s = Math.sin(a),
    C = 1 - c;
  const r = [
    [c + x * x * C, x * y * C - z * s, x * z * C + y * s],
    [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
    [z * x * C - y * s, z * y * C + x * s, c + z * z * C],
  ];
  const m = new Float64Array(16);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m[j * 4 + i] = r[i][j];
  m[12] = t[0];
  m[13] = t[1];
  m[14] = t[2];
  m[15] = 1;
  return m;
}

function invert(m: Float64Array): Float64Array {
  const r = new Float64Array(16);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) r[j * 4 + i] = m[i * 4 + j];
  for (let i = 0; i < 3; i++) r[12 + i] = -(r[i] * m[12] + r[4 + i] * m[13] + r[8 + i] * m[14]);
  r[15] = 1;
  return r;
}

test('Jacobi eigen-decomposition of a symmetric matrix', () => {
  const { values, vectors } = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], 3);
  assert.deepEqual(values.map((v) => Math.round(v * 1e9) / 1e9).sort(), [1, 3, 5]);
  for (let k = 0; k < 3; k++) {
    const v = vectors[k];
    const Av = [2 * v[0] + v[1], v[0] + 2 * v[1], 5 * v[2]];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(Av[i] - values[k] * v[i]) < 1e-9);
  }
});

test('exact pairs give the exact transform and zero FRE', () => {
  const truth = rigid([0.3, -1, 0.5], 137, [12, -240, 35]);
  const image: Vec3[] = [
    [0, 0, 0],
    [100, 0, 0],
    [0, 80, 0],
    [0, 0, 60],
    [40, -30, 20],
  ];
  const toTracker = invert(truth);
  const pairs = image.map((p) => ({ image: p, tracker: transformPoint(toTracker, p) }));
  const r = registerPoints(pairs);
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(r.matrix[i] - truth[i]) < 1e-9, `m[${i}] ${r.matrix[i]} vs ${truth[i]}`);
  assert.ok(r.freMm < 1e-9);
  assert.equal(r.residualsMm.length, 5);
});

test('known transform recovered to within 0.1 mm from noisy fiducials (many random trials)', () => {
  const g = rng(7);
  const errs: number[] = [];
  let meanFre = 0;
  const trials = 200;
  const sigma = 0.05; // mm per axis: FLE (3D RMS) ≈ 0.087 mm, a well-calibrated optical pointer on a bead divot
  for (let trial = 0; trial < trials; trial++) {
    const truth = rigid([g.gauss(), g.gauss(), g.gauss()], 360 * g.u(), [400 * g.u() - 200, 400 * g.u() - 200, 400 * g.u() - 200]);
    const toTracker = invert(truth);
    // 8 fiducials on a body-sized region (±150 x ±100 x ±120 mm).
    const image: Vec3[] = Array.from({ length: 8 }, () => [300 * g.u() - 150, 200 * g.u() - 100, 240 * g.u() - 120]);
    const pairs: FiducialPair[] = image.map((p) => {
      const t = transformPoint(toTracker, p);
      return { image: p, tracker: [t[0] + sigma * g.gauss(), t[1] + sigma * g.gauss(), t[2] + sigma * g.gauss()] };
    });
    let r;
    try {
      r = registerPoints(pairs, { minSpreadMm: 30 });
    } catch (e) {
      assert.ok(e instanceof RegistrationError);
      continue;
    }
    meanFre += r.freMm / trials;
    // Error of the recovered transform at targets inside the fiducial region: the centroid and each fiducial.
    const cx: Vec3 = [0, 1, 2].map((a) => image.reduce((s, p) => s + p[a], 0) / image.length) as Vec3;
    const trackerOf = (p: Vec3) => transformPoint(toTracker, p);
    for (const target of [cx, ...image]) errs.push(distance(transformPoint(r.matrix, trackerOf(target)), target));
  }
  errs.sort((a, b) => a - b);
  const p99 = errs[Math.floor(errs.length * 0.99)];
  const rms = Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length);
  // Within 0.1 mm at the 99th percentile of all targets and trials (a Gaussian tail has no hard maximum).
  assert.ok(p99 < 0.1, `99th percentile target error ${p99.toFixed(3)} mm`);
  assert.ok(rms < 0.05, `RMS target error ${rms.toFixed(3)} mm`);
  assert.ok(errs.length > 1000);
  // E[FRE²] = (1 - 2/N) FLE²: ≈ 0.075 mm for N = 8.
  assert.ok(meanFre > 0.06 && meanFre < 0.09, `mean FRE ${meanFre.toFixed(3)} mm`);
});

test("larger localisation noise: FRE reports it and TRE follows Fitzpatrick's prediction", () => {
  const g = rng(11);
  const sigma = 0.5;
  const image: Vec3[] = [
    [-60, 90, -60],
    [60, 90, -60],
    [-50, 85, 60],
    [50, 85, 60],
    [0, 100, 0],
    [-140, 20, 10],
  ];
  const truth = rigid([0, 0, 1], 90, [12, -240, 35]);
  const toTracker = invert(truth);
  const target: Vec3 = [0, 40, 0];
  let sq = 0,
    fre = 0;
  const trials = 400;
  for (let i = 0; i < trials; i++) {
    const pairs = image.map((p) => {
      const t = transformPoint(toTracker, p);
      return { image: p, tracker: [t[0] + sigma * g.gauss(), t[1] + sigma * g.gauss(), t[2] + sigma * g.gauss()] as Vec3 };
    });
    const r = registerPoints(pairs);
    sq += distance(transformPoint(r.matrix, transformPoint(toTracker, target)), target) ** 2 / trials;
    fre += r.freMm ** 2 / trials;
  }
  const fle = sigma * Math.sqrt(3);
  const predicted = expectedTreMm(image, target, fle);
  const measured = Math.sqrt(sq);
  assert.ok(Math.abs(measured - predicted) / predicted < 0.2, `TRE measured ${measured.toFixed(3)} vs predicted ${predicted.toFixed(3)}`);
  // E[FRE²] = (1 - 2/N) FLE² (Fitzpatrick 1998).
  assert.ok(Math.abs(Math.sqrt(fre) - fle * Math.sqrt(1 - 2 / image.length)) < 0.1, `FRE ${Math.sqrt(fre)}`);
});

test('too few or collinear fiducials are refused with a reason', () => {
  const p = (x: number): FiducialPair => ({ image: [x, 0, 0], tracker: [x, 1, 2] });
  assert.throws(
    () => registerPoints([p(0), p(10)]),
    (e: Error) => e instanceof RegistrationError && /at least 3/.test(e.message),
  );
  assert.throws(() => registerPoints([p(0), p(10), p(20), p(30)]), /collinear/);
  assert.throws(() => registerPoints([p(0), p(10), { image: [0, NaN, 0], tracker: [0, 0, 0] }]), /finite/);
});
