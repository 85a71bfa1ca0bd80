/**
 * Patient <-> volume geometry and slice extraction. Pure: runs anywhere (hub, display, tests).
 *
 * Coordinates: DICOM patient LPS in millimetres (x to the patient's Left, y to Posterior,
 * z to Superior). Voxel indices (i, j, k) as in common/volume.ts. Matrices are 4x4,
 * column-major (as WebGL and three.js store them), in a Float64Array.
 *
 * Slice views are planes of the *patient*, not of the voxel grid: an axial view is a plane of
 * constant z even for a gantry-tilted or oblique series, so anatomy shows where it really is.
 * Screen conventions (radiological, as on every CT/MR console):
 *   axial    screen right = patient Left (+x), screen down = Posterior (+y)   labels R|L, A|P
 *   coronal  screen right = patient Left (+x), screen down = Inferior (−z)    labels R|L, S|I
 *   sagittal screen right = Posterior (+y),    screen down = Inferior (−z)    labels A|P, S|I
 */
import type { Volume, VolumeGeometry } from './volume';

export type Vec3 = [number, number, number];
export type Mat4 = Float64Array;

// ---------------------------------------------------------------- small vector/matrix kit

export const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const distance = (a: Vec3, b: Vec3): number => norm(sub(a, b));
export function normalize(a: Vec3): Vec3 {
  const l = norm(a);
  return l > 0 ? [a[0] / l, a[1] / l, a[2] / l] : [0, 0, 0];
}

export function identity4(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

/** Column-major product a * b. */
export function multiply4(a: ArrayLike<number>, b: ArrayLike<number>): Mat4 {
  const r = new Float64Array(16);
  for (let c = 0; c < 4; c++)
    for (let row = 0; row < 4; row++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + row] * b[c * 4 + k];
      r[c * 4 + row] = s;
    }
  return r;
}

/** Applies a 4x4 affine transform to a point. */
export function transformPoint(m: ArrayLike<number>, p: readonly number[]): Vec3 {
  return [m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12], m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13], m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14]];
}

/** Applies the linear part of a 4x4 transform to a direction (no translation). */
export function transformDirection(m: ArrayLike<number>, d: readonly number[]): Vec3 {
  return [m[0] * d[0] + m[4] * d[1] + m[8] * d[2], m[1] * d[0] + m[5] * d[1] + m[9] * d[2], m[2] * d[0] + m[6] * d[1] + m[10] * d[2]];
}

/** Inverse of a general affine 4x4 (last row 0 0 0 1). Throws for a singular matrix. */
export function invertAffine(m: ArrayLike<number>): Mat4 {
  const a = m[0],
    b = m[4],
    c = m[8];
  const d = m[1],
    e = m[5],
    f = m[9];
  const g = m[2],
    h = m[6],
    i = m[10];
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('invertAffine: singular matrix');
  const inv = 1 / det;
  const r = new Float64Array(16);
  r[0] = A * inv;
  r[1] = B * inv;
  r[2] = C * inv;
  r[4] = -(b * i - c * h) * inv;
  r[5] = (a * i - c * g) * inv;
  r[6] = -(a * h - b * g) * inv;
  r[8] = (b * f - c * e) * inv;
  r[9] = -(a * f - c * d) * inv;
  r[10] = (a * e - b * d) * inv;
  const tx = m[12],
    ty = m[13],
    tz = m[14];
  r[12] = -(r[0] * tx + r[4] * ty + r[8] * tz);
  r[13] = -(r[1] * tx + r[5] * ty + r[9] * tz);
  r[14] = -(r[2] * tx + r[6] * ty + r[10] * tz);
  r[15] = 1;
  return r;
}

/** Inverse of a rigid (or any affine) 4x4 pose, as the Float32Array poses travel in (wire frames, registrations). */
export function invertRigid(m: ArrayLike<number>): Float32Array {
  return Float32Array.from(invertAffine(m));
}

// ---------------------------------------------------------------- volume <-> patient

/** Voxel index (i, j, k) -> patient LPS mm, as a column-major 4x4 (see common/volume.ts). */
export function voxelToPatientMatrix(g: VolumeGeometry): Mat4 {
  const [sx, sy, sz] = g.spacing;
  const d = g.direction;
  const m = new Float64Array(16);
  m[0] = d[0] * sx;
  m[1] = d[1] * sx;
  m[2] = d[2] * sx;
  m[4] = d[3] * sy;
  m[5] = d[4] * sy;
  m[6] = d[5] * sy;
  m[8] = d[6] * sz;
  m[9] = d[7] * sz;
  m[10] = d[8] * sz;
  m[12] = g.origin[0];
  m[13] = g.origin[1];
  m[14] = g.origin[2];
  m[15] = 1;
  return m;
}

/** Patient LPS mm -> continuous voxel index (i, j, k). Works for oblique and tilted (sheared) grids. */
export function patientToVoxelMatrix(g: VolumeGeometry): Mat4 {
  return invertAffine(voxelToPatientMatrix(g));
}

export function voxelToPatient(g: VolumeGeometry, ijk: readonly number[]): Vec3 {
  return transformPoint(voxelToPatientMatrix(g), ijk);
}

export function patientToVoxel(g: VolumeGeometry, p: readonly number[]): Vec3 {
  return transformPoint(patientToVoxelMatrix(g), p);
}

/** The 8 corners of the volume's extent (voxel centres ± half a voxel), in patient mm. */
export function volumeCorners(g: VolumeGeometry): Vec3[] {
  const m = voxelToPatientMatrix(g);
  const [nx, ny, nz] = g.dimensions;
  const out: Vec3[] = [];
  for (const k of [-0.5, nz - 0.5]) for (const j of [-0.5, ny - 0.5]) for (const i of [-0.5, nx - 0.5]) out.push(transformPoint(m, [i, j, k]));
  return out;
}

/** Axis-aligned patient-space box around the volume: [min, max]. */
export function patientBounds(g: VolumeGeometry): [Vec3, Vec3] {
  const c = volumeCorners(g);
  const lo: Vec3 = [Infinity, Infinity, Infinity];
  const hi: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of c)
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], p[a]);
      hi[a] = Math.max(hi[a], p[a]);
    }
  return [lo, hi];
}

export function volumeCentre(g: VolumeGeometry): Vec3 {
  const [nx, ny, nz] = g.dimensions;
  return voxelToPatient(g, [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2]);
}

/** The patient-axis label a direction points to most: 'L'|'R'|'P'|'A'|'S'|'I'. */
export function orientationLetter(d: Vec3): string {
  const ax = [Math.abs(d[0]), Math.abs(d[1]), Math.abs(d[2])];
  const a = ax[0] >= ax[1] && ax[0] >= ax[2] ? 0 : ax[1] >= ax[2] ? 1 : 2;
  return ['RL', 'AP', 'IS'][a][d[a] >= 0 ? 1 : 0];
}

// ---------------------------------------------------------------- voxel sampling

/** Nearest-voxel value at continuous index, or NaN outside the grid. */
export function sampleNearest(v: Volume, ijk: readonly number[]): number {
  const [nx, ny, nz] = v.dimensions;
  const i = Math.round(ijk[0]),
    j = Math.round(ijk[1]),
    k = Math.round(ijk[2]);
  if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz) return NaN;
  return v.data[(k * ny + j) * nx + i];
}

/** Trilinear value at a continuous voxel index (clamped at the borders), NaN outside the extent. */
export function sampleTrilinear(v: Volume, ijk: readonly number[]): number {
  const [nx, ny, nz] = v.dimensions;
  let x = ijk[0],
    y = ijk[1],
    z = ijk[2];
  if (x < -0.5 || y < -0.5 || z < -0.5 || x > nx - 0.5 || y > ny - 0.5 || z > nz - 0.5) return NaN;
  x = Math.min(Math.max(x, 0), nx - 1);
  y = Math.min(Math.max(y, 0), ny - 1);
  z = Math.min(Math.max(z, 0), nz - 1);
  const x0 = Math.min(Math.floor(x), nx - 2 < 0 ? 0 : nx - 2),
    y0 = Math.min(Math.floor(y), ny - 2 < 0 ? 0 : ny - 2),
    z0 = Math.min(Math.floor(z), nz - 2 < 0 ? 0 : nz - 2);
  const fx = nx > 1 ? x - x0 : 0,
    fy = ny > 1 ? y - y0 : 0,
    fz = nz > 1 ? z - z0 : 0;
  const sx = nx > 1 ? 1 : 0,
    sy = ny > 1 ? nx : 0,
    sz = nz > 1 ? nx * ny : 0;
  const d = v.data;
  const o = (z0 * ny + y0) * nx + x0;
  const c00 = d[o] * (1 - fx) + d[o + sx] * fx;
  const c10 = d[o + sy] * (1 - fx) + d[o + sy + sx] * fx;
  const c01 = d[o + sz] * (1 - fx) + d[o + sz + sx] * fx;
  const c11 = d[o + sz + sy] * (1 - fx) + d[o + sz + sy + sx] * fx;
  return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
}

// ---------------------------------------------------------------- slice planes

export type SliceOrientation = 'axial' | 'coronal' | 'sagittal';
export const SLICE_ORIENTATIONS: readonly SliceOrientation[] = ['axial', 'coronal', 'sagittal'];

/** Patient directions of a view's screen right (u), screen down (v) and its normal (n = u x v). */
export function viewAxes(o: SliceOrientation): { u: Vec3; v: Vec3; n: Vec3 } {
  switch (o) {
    case 'axial':
      return { u: [1, 0, 0], v: [0, 1, 0], n: [0, 0, 1] };
    case 'coronal':
      return { u: [1, 0, 0], v: [0, 0, -1], n: [0, 1, 0] };
    case 'sagittal':
      return { u: [0, 1, 0], v: [0, 0, -1], n: [-1, 0, 0] };
  }
}

/** Orientation labels at the screen edges of a view: [left, right, top, bottom]. */
export function viewLabels(o: SliceOrientation): [string, string, string, string] {
  const { u, v } = viewAxes(o);
  return [orientationLetter(scale(u, -1)), orientationLetter(u), orientationLetter(scale(v, -1)), orientationLetter(v)];
}

/**
 * A sampled plane: pixel (px, py) — centre of output pixel — sits at
 *   P = origin + px * pixelMm * u + py * pixelMm * v   (patient mm).
 */
export interface SliceSpec {
  orientation: SliceOrientation;
  width: number;
  height: number;
  pixelMm: number;
  /** Patient position of the centre of pixel (0, 0). */
  origin: Vec3;
  u: Vec3;
  v: Vec3;
  /** A patient point the plane passes through (the crosshair it was made for). */
  through: Vec3;
}

/**
 * The plane of `orientation` through patient point `through`, covering the volume's whole patient
 * extent, sampled at `pixelMm` (default: the finest in-plane voxel spacing, capped to maxPixels).
 */
export function sliceSpec(g: VolumeGeometry, orientation: SliceOrientation, through: readonly number[], pixelMm?: number, maxPixels = 1024): SliceSpec {
  const { u, v } = viewAxes(orientation);
  const corners = volumeCorners(g);
  let u0 = Infinity,
    u1 = -Infinity,
    v0 = Infinity,
    v1 = -Infinity;
  for (const c of corners) {
    const cu = dot(c, u),
      cv = dot(c, v);
    u0 = Math.min(u0, cu);
    u1 = Math.max(u1, cu);
    v0 = Math.min(v0, cv);
    v1 = Math.max(v1, cv);
  }
  const px = pixelMm ?? Math.max(Math.min(...g.spacing), 1e-3);
  let pix = px;
  const w0 = (u1 - u0) / pix,
    h0 = (v1 - v0) / pix;
  if (Math.max(w0, h0) > maxPixels) pix = Math.max(u1 - u0, v1 - v0) / maxPixels;
  const width = Math.max(1, Math.round((u1 - u0) / pix));
  const height = Math.max(1, Math.round((v1 - v0) / pix));
  const t: Vec3 = [through[0], through[1], through[2]];
  // origin: start corner (u0, v0) in-plane, at the plane's normal offset through `t`.
  const n = cross(u, v);
  const offN = dot(t, n);
  const origin = add(add(scale(u, u0 + pix / 2), scale(v, v0 + pix / 2)), scale(n, offN));
  return { orientation, width, height, pixelMm: pix, origin, u, v, through: t };
}

/** Patient point of slice pixel (px, py) (pixel centres at integers). */
export function slicePixelToPatient(s: SliceSpec, px: number, py: number): Vec3 {
  return add(s.origin, add(scale(s.u, px * s.pixelMm), scale(s.v, py * s.pixelMm)));
}

/** Slice pixel (fractional) of a patient point, and its signed distance from the plane (mm). */
export function patientToSlicePixel(s: SliceSpec, p: readonly number[]): { x: number; y: number; depthMm: number } {
  const d = sub([p[0], p[1], p[2]], s.origin);
  const n = cross(s.u, s.v);
  return { x: dot(d, s.u) / s.pixelMm, y: dot(d, s.v) / s.pixelMm, depthMm: dot(d, n) };
}

/** Value written for pixels outside the volume. */
export const OUTSIDE = -32768;

/**
 * Resamples the volume on the plane `s` into `out` (row-major, width*height), trilinear (or nearest)
 * in the voxel grid; pixels outside the volume get OUTSIDE. Rows [rowFrom, rowTo) only, so callers
 * can spread the work over frames. Returns the next row to do.
 */
export function extractSlice(
  v: Volume,
  s: SliceSpec,
  out: Int16Array | Float32Array,
  opts: { nearest?: boolean; rowFrom?: number; rowTo?: number } = {},
): number {
  const inv = patientToVoxelMatrix(v);
  const [nx, ny, nz] = v.dimensions;
  const o = transformPoint(inv, s.origin);
  const du = transformDirection(inv, scale(s.u, s.pixelMm));
  const dv = transformDirection(inv, scale(s.v, s.pixelMm));
  const d = v.data;
  const sxy = nx * ny;
  const rowFrom = opts.rowFrom ?? 0;
  const rowTo = Math.min(opts.rowTo ?? s.height, s.height);
  const nearest = !!opts.nearest;
  const mx = nx - 1,
    my = ny - 1,
    mz = nz - 1;
  const hasX = nx > 1 ? 1 : 0,
    hasY = ny > 1 ? nx : 0,
    hasZ = nz > 1 ? sxy : 0;
  for (let py = rowFrom; py < rowTo; py++) {
    let x = o[0] + dv[0] * py,
      y = o[1] + dv[1] * py,
      z = o[2] + dv[2] * py;
    let w = py * s.width;
    for (let px = 0; px < s.width; px++, x += du[0], y += du[1], z += du[2], w++) {
      if (x < -0.5 || y < -0.5 || z < -0.5 || x > nx - 0.5 || y > ny - 0.5 || z > nz - 0.5) {
        out[w] = OUTSIDE;
        continue;
      }
      if (nearest) {
        const i = x < 0 ? 0 : x > mx ? mx : Math.round(x);
        const j = y < 0 ? 0 : y > my ? my : Math.round(y);
        const k = z < 0 ? 0 : z > mz ? mz : Math.round(z);
        out[w] = d[k * sxy + j * nx + i];
        continue;
      }
      const cx = x < 0 ? 0 : x > mx ? mx : x;
      const cy = y < 0 ? 0 : y > my ? my : y;
      const cz = z < 0 ? 0 : z > mz ? mz : z;
      let x0 = cx | 0,
        y0 = cy | 0,
        z0 = cz | 0;
      if (x0 >= mx && mx > 0) x0 = mx - 1;
      if (y0 >= my && my > 0) y0 = my - 1;
      if (z0 >= mz && mz > 0) z0 = mz - 1;
      const fx = cx - x0,
        fy = cy - y0,
        fz = cz - z0;
      const b = z0 * sxy + y0 * nx + x0;
      const c00 = d[b] + (d[b + hasX] - d[b]) * fx;
      const c10 = d[b + hasY] + (d[b + hasY + hasX] - d[b + hasY]) * fx;
      const c01 = d[b + hasZ] + (d[b + hasZ + hasX] - d[b + hasZ]) * fx;
      const c11 = d[b + hasZ + hasY] + (d[b + hasZ + hasY + hasX] - d[b + hasZ + hasY]) * fx;
      const c0 = c00 + (c10 - c00) * fy;
      const c1 = c01 + (c11 - c01) * fy;
      out[w] = c0 + (c1 - c0) * fz;
    }
  }
  return rowTo;
}

// ---------------------------------------------------------------- window / level

/** CT window presets [centre, width] in HU. */
export const WINDOW_PRESETS: Record<string, [number, number]> = {
  'soft tissue': [40, 400],
  bone: [400, 1800],
  lung: [-600, 1500],
  brain: [40, 80],
  angio: [300, 600],
};

/**
 * A 65536-entry grey lookup for Int16 values (index = value + 32768), for window [centre, width]
 * (DICOM PS3.3 C.11.2.1.2 linear function, simplified to its continuous form).
 */
export function windowLut(centre: number, width: number, out = new Uint8Array(65536)): Uint8Array {
  const w = Math.max(width, 1);
  const lo = centre - w / 2;
  for (let i = 0; i < 65536; i++) {
    const t = (i - 32768 - lo) / w;
    out[i] = t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
  }
  return out;
}

/** A sensible scroll step (mm) along a view's normal: the voxel spacing of the grid axis closest to it. */
export function sliceStepMm(g: VolumeGeometry, o: SliceOrientation): number {
  const n = viewAxes(o).n;
  const d = g.direction;
  let best = 0,
    step = g.spacing[2];
  for (let a = 0; a < 3; a++) {
    const c = Math.abs(d[a * 3] * n[0] + d[a * 3 + 1] * n[1] + d[a * 3 + 2] * n[2]);
    if (c > best) {
      best = c;
      step = g.spacing[a];
    }
  }
  return step;
}
