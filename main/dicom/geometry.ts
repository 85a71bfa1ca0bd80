/**
 * Slice-stack geometry in DICOM patient coordinates (LPS, mm). Pure: no Node, no DOM.
 *
 * Given the per-frame ImagePositionPatient / ImageOrientationPatient / PixelSpacing of one
 * stack, decides the slice order (by position along the slice normal, never by file name or
 * InstanceNumber), the slice step (which may be oblique: gantry tilt), and detects uneven
 * spacing, missing slices and duplicate positions. The result is a `VolumeGeometry` (see
 * common/volume.ts) plus a resampling plan that maps each output slice to one or two input
 * frames, so that every real slice lands exactly where its ImagePositionPatient says.
 *
 * Refs: DICOM PS3.3 C.7.6.2.1.1 (Image Position and Orientation), C.7.6.16.2 (per-frame
 * Plane Position / Orientation in Enhanced objects).
 */
import type { VolumeGeometry } from '../../common/volume';
import { add, cross, distance, dot, norm, normalize, scale, sub, type Vec3 } from '../../common/geometry';

/** Geometry of one frame (a single-frame file or one frame of a multi-frame object). */
export interface FrameGeometry {
  /** ImagePositionPatient: centre of the first transmitted voxel, LPS mm. Absent if unknown. */
  ipp?: Vec3;
  /** ImageOrientationPatient: row direction then column direction cosines. Absent if unknown. */
  iop?: [number, number, number, number, number, number];
  /** PixelSpacing as in DICOM: [row spacing (between rows, mm), column spacing (between columns, mm)]. */
  pixelSpacing?: [number, number];
  rows: number;
  columns: number;
  /** InstanceNumber (or frame index for multi-frame), only used to break ties and for fallback order. */
  order: number;
}

export interface StackOptions {
  /** Slice step (mm) to use when positions are unknown or there is a single slice (SpacingBetweenSlices or SliceThickness). */
  fallbackSliceSpacing?: number;
  /** GantryDetectorTilt (0018,1120) in degrees, only for cross-checking the tilt measured from positions. */
  gantryTiltTagDeg?: number;
  /** Relative tolerance for spacing differences (default 0.01 = 1 %). */
  relativeTolerance?: number;
  /** Absolute tolerance for spacing differences in mm (default 0.01 mm). */
  absoluteToleranceMm?: number;
}

/** Output slice k = (1 - w) * input[a] + w * input[b]; w === 0 means an exact copy of input[a]. */
export interface SliceSource {
  a: number;
  b: number;
  w: number;
}

export interface StackGeometry extends VolumeGeometry {
  /** Indices of the input frames used, in output order (sorted along the slice normal). */
  sortedInputs: number[];
  /** Input indices dropped as duplicates of another frame at the same position. */
  duplicates: Array<{ input: number; sameAs: number }>;
  /** For each output slice, which sorted-input slices it comes from (indices into sortedInputs). */
  plan: SliceSource[];
  /** True when the plan interpolates (missing slices filled, or uneven spacing resampled). */
  interpolated: boolean;
  /** Distances of the used input slices along the slice normal (mm), in output order. */
  slicePositionsMm: number[];
  /** Gaps between consecutive used slices along the normal (mm). */
  gapsMm: number[];
  /** Angle between slice step and the image-plane normal, degrees (0 = no tilt). */
  tiltDeg: number;
  /** Number of slices estimated missing (gaps that are a whole multiple of the nominal step). */
  missingSlices: number;
  /** True when the row/column directions are not aligned with patient axes. */
  oblique: boolean;
  /** True when real positions and orientations were available. */
  hasPatientGeometry: boolean;
  /** Human-readable warnings (uneven spacing, tilt, missing slices, ...). */
  warnings: string[];
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x: number, digits = 3): string {
  return Number(x.toFixed(digits)).toString();
}

/** Two orientations are the same when every cosine differs by less than `tol`. */
export function sameOrientation(a: readonly number[], b: readonly number[], tol = 1e-4): boolean {
  for (let i = 0; i < 6; i++) if (Math.abs(a[i] - b[i]) > tol) return false;
  return true;
}

/** A key that groups frames into one stack: same size and same orientation (to 1e-4). */
export function stackKey(f: FrameGeometry): string {
  const iop = f.iop ? f.iop.map((v) => (Math.round(v * 1e4) / 1e4 + 0).toFixed(4)).join(',') : 'noiop';
  return `${f.columns}x${f.rows}|${iop}`;
}

/**
 * Build the volume geometry of one stack of frames that share size and orientation.
 * Never throws on odd input; problems become warnings.
 */
export function buildStackGeometry(frames: FrameGeometry[], opts: StackOptions = {}): StackGeometry {
  const relTol = opts.relativeTolerance ?? 0.01;
  const absTol = opts.absoluteToleranceMm ?? 0.01;
  const warnings: string[] = [];
  if (frames.length === 0) throw new Error('buildStackGeometry: no frames');
  const f0 = frames[0];
  const ps = f0.pixelSpacing && f0.pixelSpacing[0] > 0 && f0.pixelSpacing[1] > 0 ? f0.pixelSpacing : undefined;
  // DICOM PixelSpacing = [between rows (along column dir), between columns (along row dir)].
  const spacingX = ps ? ps[1] : 1;
  const spacingY = ps ? ps[0] : 1;
  if (!ps) warnings.push('no PixelSpacing: in-plane spacing assumed 1 mm');

  const hasGeom = frames.every((f) => f.ipp && f.iop);
  if (!hasGeom) {
    // No patient geometry: identity orientation, order by InstanceNumber / frame index.
    const sortedInputs = frames.map((_, i) => i).sort((a, b) => frames[a].order - frames[b].order || a - b);
    const step = opts.fallbackSliceSpacing && opts.fallbackSliceSpacing > 0 ? opts.fallbackSliceSpacing : 1;
    warnings.push(
      'no patient geometry (ImagePositionPatient/ImageOrientationPatient missing): identity orientation, origin 0, slices ordered by InstanceNumber' +
        (frames.length > 1 ? `, slice step ${fmt(step)} mm assumed` : ''),
    );
    return {
      dimensions: [f0.columns, f0.rows, frames.length],
      spacing: [spacingX, spacingY, step],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      sortedInputs,
      duplicates: [],
      plan: sortedInputs.map((_, k) => ({ a: k, b: k, w: 0 })),
      interpolated: false,
      slicePositionsMm: sortedInputs.map((_, k) => k * step),
      gapsMm: sortedInputs.slice(1).map(() => step),
      tiltDeg: 0,
      missingSlices: 0,
      oblique: false,
      hasPatientGeometry: false,
      warnings,
    };
  }

  const iop = f0.iop!;
  let row: Vec3 = [iop[0], iop[1], iop[2]];
  let col: Vec3 = [iop[3], iop[4], iop[5]];
  const rowLen = norm(row);
  const colLen = norm(col);
  if (Math.abs(rowLen - 1) > 1e-3 || Math.abs(colLen - 1) > 1e-3) {
    warnings.push(`ImageOrientationPatient not unit length (|row|=${fmt(rowLen, 4)}, |col|=${fmt(colLen, 4)}): normalized`);
  }
  row = normalize(row);
  col = normalize(col);
  const ortho = Math.abs(dot(row, col));
  if (ortho > 1e-3) warnings.push(`ImageOrientationPatient row and column not orthogonal (cos=${fmt(ortho, 4)})`);
  const normal = normalize(cross(row, col));
  const isAxisAligned = (v: Vec3) => v.some((c) => Math.abs(Math.abs(c) - 1) < 1e-4);
  const oblique = !(isAxisAligned(row) && isAxisAligned(col));

  // Sort by distance along the normal; ties by order then input index.
  const dist = frames.map((f) => dot(f.ipp!, normal));
  const idx = frames.map((_, i) => i).sort((a, b) => dist[a] - dist[b] || frames[a].order - frames[b].order || a - b);

  // Drop duplicate positions (same location within tolerance in all three coordinates).
  const sortedInputs: number[] = [];
  const duplicates: Array<{ input: number; sameAs: number }> = [];
  for (const i of idx) {
    const prev = sortedInputs[sortedInputs.length - 1];
    if (prev !== undefined && norm(sub(frames[i].ipp!, frames[prev].ipp!)) < Math.max(absTol, 1e-3)) {
      duplicates.push({ input: i, sameAs: prev });
      continue;
    }
    sortedInputs.push(i);
  }
  if (duplicates.length) {
    warnings.push(`${duplicates.length} frame(s) at a duplicate position dropped (several acquisitions or temporal positions in one series?)`);
  }

  const n = sortedInputs.length;
  const positions = sortedInputs.map((i) => dist[i]);
  const origin = [...frames[sortedInputs[0]].ipp!] as Vec3;

  if (n === 1) {
    const step = opts.fallbackSliceSpacing && opts.fallbackSliceSpacing > 0 ? opts.fallbackSliceSpacing : 1;
    return {
      dimensions: [f0.columns, f0.rows, 1],
      spacing: [spacingX, spacingY, step],
      origin,
      direction: [...row, ...col, ...normal],
      sortedInputs,
      duplicates,
      plan: [{ a: 0, b: 0, w: 0 }],
      interpolated: false,
      slicePositionsMm: positions,
      gapsMm: [],
      tiltDeg: 0,
      missingSlices: 0,
      oblique,
      hasPatientGeometry: true,
      warnings,
    };
  }

  const gaps: number[] = [];
  for (let k = 1; k < n; k++) gaps.push(positions[k] - positions[k - 1]);
  const nominal = median(gaps);
  const tol = Math.max(absTol, relTol * nominal);

  // Slice step vector: mean of the consecutive IPP differences whose gap equals the nominal gap,
  // scaled to the nominal gap along the normal. With gantry tilt this vector is oblique.
  let acc: Vec3 = [0, 0, 0];
  let cnt = 0;
  for (let k = 1; k < n; k++) {
    if (Math.abs(gaps[k - 1] - nominal) <= tol) {
      const d = sub(frames[sortedInputs[k]].ipp!, frames[sortedInputs[k - 1]].ipp!);
      const s = nominal / gaps[k - 1];
      acc = add(acc, scale(d, s));
      cnt++;
    }
  }
  let stepVec: Vec3 = cnt ? [acc[0] / cnt, acc[1] / cnt, acc[2] / cnt] : (sub(frames[sortedInputs[n - 1]].ipp!, origin).map((c) => c / (n - 1)) as Vec3);
  // Check that all slice origins lie on one line (constant tilt); otherwise warn.
  const stepAlongNormal = dot(stepVec, normal);
  let maxOffLine = 0;
  for (let k = 0; k < n; k++) {
    const p = frames[sortedInputs[k]].ipp!;
    const t = (positions[k] - positions[0]) / stepAlongNormal;
    maxOffLine = Math.max(maxOffLine, distance(p, add(origin, scale(stepVec, t))));
  }
  if (maxOffLine > Math.max(tol, 0.01 * Math.min(spacingX, spacingY) + absTol)) {
    warnings.push(`slice origins are not on one line (up to ${fmt(maxOffLine)} mm off): variable gantry tilt or table shift; volume uses the mean step`);
  }
  const spacingZ = norm(stepVec);
  const sliceDir = normalize(stepVec);
  const cosTilt = Math.min(1, Math.abs(dot(sliceDir, normal)));
  const tiltDeg = (Math.acos(cosTilt) * 180) / Math.PI;
  if (tiltDeg > 0.01) {
    const tagNote =
      opts.gantryTiltTagDeg !== undefined && Math.abs(opts.gantryTiltTagDeg) > 0 ? ` (GantryDetectorTilt tag: ${fmt(opts.gantryTiltTagDeg, 2)} deg)` : '';
    warnings.push(`gantry tilt / sheared stack: slice step is ${fmt(tiltDeg, 2)} deg off the image normal${tagNote}; kept as an oblique slice direction`);
  } else if (opts.gantryTiltTagDeg !== undefined && Math.abs(opts.gantryTiltTagDeg) > 0.01) {
    warnings.push(`GantryDetectorTilt tag says ${fmt(opts.gantryTiltTagDeg, 2)} deg but slice positions show no tilt (scanner already corrected it)`);
  }

  // Plan: regular, missing slices (gaps that are whole multiples of nominal), or uneven.
  let uneven = false;
  let missing = 0;
  const missingAt: string[] = [];
  for (let k = 0; k < gaps.length; k++) {
    const g = gaps[k];
    if (Math.abs(g - nominal) <= tol) continue;
    const m = Math.round(g / nominal);
    if (m >= 2 && Math.abs(g - m * nominal) <= tol * m) {
      missing += m - 1;
      missingAt.push(`${m - 1} between ${fmt(positions[k])} and ${fmt(positions[k + 1])} mm`);
    } else {
      uneven = true;
    }
  }
  const plan: SliceSource[] = [];
  let interpolated = false;
  if (!uneven && missing === 0) {
    for (let k = 0; k < n; k++) plan.push({ a: k, b: k, w: 0 });
  } else {
    // Resample at uniform positions p0 + k * nominal; real slices that fall on the grid are copied exactly.
    interpolated = true;
    const total = Math.round((positions[n - 1] - positions[0]) / nominal) + 1;
    let j = 0;
    for (let k = 0; k < total; k++) {
      const p = positions[0] + k * nominal;
      while (j < n - 2 && positions[j + 1] < p - tol) j++;
      if (Math.abs(positions[j] - p) <= tol) plan.push({ a: j, b: j, w: 0 });
      else if (j + 1 < n && Math.abs(positions[j + 1] - p) <= tol) plan.push({ a: j + 1, b: j + 1, w: 0 });
      else {
        const w = Math.min(1, Math.max(0, (p - positions[j]) / (positions[j + 1] - positions[j])));
        plan.push({ a: j, b: j + 1, w });
      }
    }
    if (missing) warnings.push(`missing slices: ${missing} (${missingAt.join('; ')}); filled by linear interpolation`);
    if (uneven) {
      const gmin = Math.min(...gaps);
      const gmax = Math.max(...gaps);
      warnings.push(
        `uneven slice spacing: gaps ${fmt(gmin)}..${fmt(gmax)} mm (nominal ${fmt(nominal)} mm); resampled to ` +
          `${total} slices at ${fmt(spacingZ)} mm by linear interpolation`,
      );
    }
  }

  return {
    dimensions: [f0.columns, f0.rows, plan.length],
    spacing: [spacingX, spacingY, spacingZ],
    origin,
    direction: [...row, ...col, ...sliceDir],
    sortedInputs,
    duplicates,
    plan,
    interpolated,
    slicePositionsMm: positions,
    gapsMm: gaps,
    tiltDeg,
    missingSlices: missing,
    oblique,
    hasPatientGeometry: true,
    warnings,
  };
}
