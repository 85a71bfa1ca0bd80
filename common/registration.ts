/**
 * Point-based rigid registration (tracker space -> image/patient space) from paired fiducials.
 * Pure: runs anywhere.
 *
 * Method: B. K. P. Horn, "Closed-form solution of absolute orientation using unit quaternions",
 * J. Opt. Soc. Am. A 4(4), 1987: the rotation is the eigenvector of the largest eigenvalue of a
 * 4x4 symmetric matrix built from the centred cross-covariance; the translation maps centroids.
 * Least squares over all pairs, no scaling. Errors follow Fitzpatrick, West & Maurer,
 * "Predicting error in rigid-body point-based registration", IEEE TMI 17(5), 1998.
 */
import { type Mat4, type Vec3, sub, norm, transformPoint } from './geometry';

export interface FiducialPair {
  /** Where the fiducial is in the image (patient LPS, mm): picked on the slices. */
  image: Vec3;
  /** Where the tracked pointer's tip touched it (tracker space, mm). */
  tracker: Vec3;
}

export interface RigidRegistration {
  /** tracker -> image, column-major 4x4, mm. */
  matrix: Mat4;
  /** Fiducial registration error: RMS distance of mapped tracker points to their image points, mm. */
  freMm: number;
  /** Per-pair distance after registration, mm (same order as the pairs). */
  residualsMm: number[];
  /** Smallest spread of the fiducial configuration across any direction (RMS distance from the centroid, mm). */
  minSpreadMm: number;
}

/** Why a set of pairs cannot give a registration. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

/** Eigen-decomposition of a small symmetric matrix (row-major n*n) by cyclic Jacobi. */
export function symmetricEigen(a: number[], n: number): { values: number[]; vectors: number[][] } {
  const m = a.slice();
  const v: number[] = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p],
            mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k],
            mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const values = Array.from({ length: n }, (_, i) => m[i * n + i]);
  const vectors = Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, k) => v[k * n + j]));
  return { values, vectors };
}

function centroid(ps: readonly Vec3[]): Vec3 {
  const c: Vec3 = [0, 0, 0];
  for (const p of ps) for (let a = 0; a < 3; a++) c[a] += p[a] / ps.length;
  return c;
}

/** Principal spreads (RMS distance from the centroid along each principal axis, mm), descending. */
export function principalSpreads(ps: readonly Vec3[]): number[] {
  const c = centroid(ps);
  const s = new Array(9).fill(0);
  for (const p of ps) {
    const d = sub(p, c);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s[i * 3 + j] += (d[i] * d[j]) / ps.length;
  }
  return symmetricEigen(s, 3)
    .values.map((x) => Math.sqrt(Math.max(0, x)))
    .sort((a, b) => b - a);
}

/**
 * Least-squares rigid transform taking the tracker points onto the image points.
 * Needs at least 3 pairs that are not (nearly) collinear; throws RegistrationError otherwise.
 */
export function registerPoints(pairs: readonly FiducialPair[], opts: { minSpreadMm?: number } = {}): RigidRegistration {
  if (pairs.length < 3) throw new RegistrationError(`registration needs at least 3 fiducial pairs, got ${pairs.length}`);
  for (const p of pairs)
    for (const v of [...p.image, ...p.tracker]) if (!Number.isFinite(v)) throw new RegistrationError('a fiducial coordinate is not a finite number');
  const src = pairs.map((p) => p.tracker);
  const dst = pairs.map((p) => p.image);
  const spreads = principalSpreads(src);
  const minSpread = spreads[1];
  if (minSpread < (opts.minSpreadMm ?? 1)) {
    throw new RegistrationError(`fiducials are (nearly) collinear: spread across their line is ${minSpread.toFixed(2)} mm; spread them out`);
  }
  const cs = centroid(src),
    cd = centroid(dst);
  // Cross-covariance S[i][j] = sum (src_i)(dst_j), centred.
  let Sxx = 0,
    Sxy = 0,
    Sxz = 0,
    Syx = 0,
    Syy = 0,
    Syz = 0,
    Szx = 0,
    Szy = 0,
    Szz = 0;
  for (let k = 0; k < pairs.length; k++) {
    const a = sub(src[k], cs),
      b = sub(dst[k], cd);
    Sxx += a[0] * b[0];
    Sxy += a[0] * b[1];
    Sxz += a[0] * b[2];
    Syx += a[1] * b[0];
    Syy += a[1] * b[1];
    Syz += a[1] * b[2];
    Szx += a[2] * b[0];
    Szy += a[2] * b[1];
    Szz += a[2] * b[2];
  }
  const N = [
    Sxx + Syy + Szz,
    Syz - Szy,
    Szx - Sxz,
    Sxy - Syx,
    Syz - Szy,
    Sxx - Syy - Szz,
    Sxy + Syx,
    Szx + Sxz,
    Szx - Sxz,
    Sxy + Syx,
    -Sxx + Syy - Szz,
    Syz + Szy,
    Sxy - Syx,
    Szx + Sxz,
    Syz + Szy,
    -Sxx - Syy + Szz,
  ];
  const { values, vectors } = symmetricEigen(N, 4);
  let best = 0;
  for (let i = 1; i < 4; i++) if (values[i] > values[best]) best = i;
  const [q0, qx, qy, qz] = vectors[best];
  const ql = Math.hypot(q0, qx, qy, qz);
  const w = q0 / ql,
    x = qx / ql,
    y = qy / ql,
    z = qz / ql;
  // Rotation matrix from the unit quaternion (row-major r[row][col]).
  const r = [
    [w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (y * x + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)],
    [2 * (z * x - w * y), 2 * (z * y + w * x), w * w - x * x - y * y + z * z],
  ];
  const m = new Float64Array(16);
  for (let row = 0; row < 3; row++) for (let col = 0; col < 3; col++) m[col * 4 + row] = r[row][col];
  for (let row = 0; row < 3; row++) m[12 + row] = cd[row] - (r[row][0] * cs[0] + r[row][1] * cs[1] + r[row][2] * cs[2]);
  m[15] = 1;
  const residualsMm = pairs.map((p) => norm(sub(transformPoint(m, p.tracker), p.image)));
  const freMm = Math.sqrt(residualsMm.reduce((s, e) => s + e * e, 0) / residualsMm.length);
  return { matrix: m, freMm, residualsMm, minSpreadMm: minSpread };
}

/**
 * Expected target registration error (RMS, mm) at `target` (image space) for a fiducial
 * localisation error `fleMm` (Fitzpatrick et al. 1998, eq. 46):
 *   TRE² ≈ FLE²/N · (1 + 1/3 · Σ_k d_k² / f_k²)
 * d_k: distance of the target from principal axis k of the fiducials, f_k: RMS distance of the
 * fiducials from that axis.
 */
export function expectedTreMm(images: readonly Vec3[], target: Vec3, fleMm: number): number {
  const n = images.length;
  const c = centroid(images);
  const s = new Array(9).fill(0);
  for (const p of images) {
    const d = sub(p, c);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s[i * 3 + j] += d[i] * d[j];
  }
  const { vectors } = symmetricEigen(s, 3);
  const t = sub(target, c);
  let sum = 0;
  for (const axis of vectors) {
    const a = axis as Vec3;
    const distToAxis = (p: Vec3) => {
      const along = p[0] * a[0] + p[1] * a[1] + p[2] * a[2];
      return Math.max(0, p[0] ** 2 + p[1] ** 2 + p[2] ** 2 - along * along);
    };
    const f2 = images.reduce((acc, p) => acc + distToAxis(sub(p, c)), 0) / n;
    if (f2 > 1e-9) sum += distToAxis(t) / f2;
  }
  return Math.sqrt(((fleMm * fleMm) / n) * (1 + sum / 3));
}
