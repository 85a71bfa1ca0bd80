/**
 * Min/max pyramid of one channel's values over time, for trend overviews drawn min/max per
 * pixel column (so no peak is hidden). Level 0 buckets are BUCKET0_MS long, aligned on the
 * Unix epoch (bucket k covers [k·B, (k+1)·B)); each level above merges FANOUT buckets of the
 * one below. A query for W columns reads the coarsest level whose buckets are at most half
 * a column, so it touches O(W) buckets whatever the length of the case.
 * Empty buckets hold NaN. Values are float64, as recorded.
 */

export const BUCKET0_MS = 1000;
export const FANOUT = 4;
export const LEVELS = 10;

export const bucketMs = (level: number): number => BUCKET0_MS * FANOUT ** level;

/** One level: buckets [first, first + min.length). */
export interface Level {
  first: number;
  min: Float64Array;
  max: Float64Array;
}

export class Pyramid {
  readonly levels: Level[] = [];
  /** Newest sample time folded in (ms); samples at or before it are never added again. */
  coveredTo = -Infinity;

  constructor(levels?: Level[], coveredTo?: number) {
    for (let l = 0; l < LEVELS; l++) this.levels.push(levels?.[l] ?? { first: 0, min: new Float64Array(0), max: new Float64Array(0) });
    if (coveredTo !== undefined) this.coveredTo = coveredTo;
  }

  /** Makes level l cover bucket k (growing it, NaN-filled). */
  private ensure(l: number, k: number): Level {
    const lv = this.levels[l];
    if (lv.min.length === 0) {
      const cap = 64;
      this.levels[l] = { first: k, min: new Float64Array(cap).fill(NaN), max: new Float64Array(cap).fill(NaN) };
      return this.levels[l];
    }
    if (k >= lv.first && k < lv.first + lv.min.length) return lv;
    const lo = Math.min(lv.first, k);
    const hi = Math.max(lv.first + lv.min.length, k + 1);
    const cap = Math.max(hi - lo, lv.min.length * 2);
    const first = k < lv.first ? hi - cap : lo;
    const min = new Float64Array(cap).fill(NaN);
    const max = new Float64Array(cap).fill(NaN);
    min.set(lv.min, lv.first - first);
    max.set(lv.max, lv.first - first);
    this.levels[l] = { first, min, max };
    return this.levels[l];
  }

  /** Folds samples (times ascending, ms) into level 0. Samples at or before coveredTo are skipped; call complete() before reading levels above 0. */
  add(tMs: ArrayLike<number>, values: ArrayLike<number>): void {
    let lv = this.levels[0];
    for (let i = 0; i < tMs.length; i++) {
      const t = tMs[i];
      const v = values[i];
      if (!(t > this.coveredTo) || !Number.isFinite(v)) continue;
      const k = Math.floor(t / BUCKET0_MS);
      if (!(k >= lv.first && k < lv.first + lv.min.length)) lv = this.ensure(0, k);
      const j = k - lv.first;
      if (!(lv.min[j] <= v)) lv.min[j] = v;
      if (!(lv.max[j] >= v)) lv.max[j] = v;
    }
    for (let i = tMs.length - 1; i >= 0; i--) {
      if (tMs[i] > this.coveredTo) {
        this.coveredTo = tMs[i];
        break;
      }
    }
  }

  /** Builds levels 1.. from level 0 (each bucket the min/max of the FANOUT below it). */
  complete(): void {
    for (let l = 1; l < LEVELS; l++) {
      const below = this.trimmed(l - 1);
      if (below.min.length === 0) return;
      const first = Math.floor(below.first / FANOUT);
      const n = Math.floor((below.first + below.min.length - 1) / FANOUT) - first + 1;
      const min = new Float64Array(n).fill(NaN);
      const max = new Float64Array(n).fill(NaN);
      for (let j = 0; j < below.min.length; j++) {
        if (Number.isNaN(below.min[j])) continue;
        const k = Math.floor((below.first + j) / FANOUT) - first;
        if (!(min[k] <= below.min[j])) min[k] = below.min[j];
        if (!(max[k] >= below.max[j])) max[k] = below.max[j];
      }
      this.levels[l] = { first, min, max };
    }
  }

  /** Level l trimmed to its used buckets (for storage). */
  trimmed(l: number): Level {
    const lv = this.levels[l];
    let a = 0;
    let b = lv.min.length;
    while (a < b && Number.isNaN(lv.min[a])) a++;
    while (b > a && Number.isNaN(lv.min[b - 1])) b--;
    return { first: lv.first + a, min: lv.min.slice(a, b), max: lv.max.slice(a, b) };
  }
}

/** The coarsest level whose buckets are at most half a column of columnMs; -1 when even level 0 is too coarse. */
export function levelFor(columnMs: number): number {
  let l = -1;
  while (l + 1 < LEVELS && bucketMs(l + 1) * 2 <= columnMs) l++;
  return l;
}

export interface MinMaxColumns {
  min: Float64Array;
  max: Float64Array;
}

/** Empty columns (NaN). */
export function emptyColumns(width: number): MinMaxColumns {
  return { min: new Float64Array(width).fill(NaN), max: new Float64Array(width).fill(NaN) };
}

/**
 * Folds buckets [first, first+n) of bucket length bMs into columns over [fromMs, toMs).
 * A bucket counts in every column it overlaps, so a peak is never hidden (it may widen by
 * at most a bucket, half a column).
 */
export function foldBuckets(
  cols: MinMaxColumns,
  fromMs: number,
  toMs: number,
  first: number,
  bMs: number,
  min: ArrayLike<number>,
  max: ArrayLike<number>,
): void {
  const width = cols.min.length;
  const colMs = (toMs - fromMs) / width;
  for (let j = 0; j < min.length; j++) {
    const lo = min[j];
    if (Number.isNaN(lo)) continue;
    const b0 = (first + j) * bMs;
    if (b0 + bMs <= fromMs || b0 >= toMs) continue;
    const c0 = Math.max(0, Math.floor((b0 - fromMs) / colMs));
    const c1 = Math.min(width - 1, Math.ceil((b0 + bMs - fromMs) / colMs) - 1);
    for (let c = c0; c <= c1; c++) {
      if (!(cols.min[c] <= lo)) cols.min[c] = lo;
      if (!(cols.max[c] >= max[j])) cols.max[c] = max[j];
    }
  }
}

/** Folds raw samples into columns over [fromMs, toMs). */
export function foldSamples(cols: MinMaxColumns, fromMs: number, toMs: number, tMs: ArrayLike<number>, values: ArrayLike<number>): void {
  const width = cols.min.length;
  const colMs = (toMs - fromMs) / width;
  for (let i = 0; i < tMs.length; i++) {
    const t = tMs[i];
    const v = values[i];
    if (t < fromMs || t >= toMs || !Number.isFinite(v)) continue;
    const c = Math.min(width - 1, Math.floor((t - fromMs) / colMs));
    if (!(cols.min[c] <= v)) cols.min[c] = v;
    if (!(cols.max[c] >= v)) cols.max[c] = v;
  }
}
