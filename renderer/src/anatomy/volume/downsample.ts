/**
 * The grid both 3D backends render: the series averaged down in-plane until it fits
 * MAX_TEXTURE_VOXELS (the slice views keep full resolution), converted a few slices per display
 * frame within the anatomy CPU budget (scheduler.ts), so no waveform frame waits for it.
 */
import type { Volume } from '../../../../common/volume';
import { anatomyScheduler } from '../scheduler';

/** Most voxels the 3D texture holds; larger series are averaged down in-plane (slices keep full resolution). */
export const MAX_TEXTURE_VOXELS = 10_000_000;

export type Vec3i = [number, number, number];

/** Averaging factors so that the texture stays under MAX_TEXTURE_VOXELS (in-plane first). */
export function downsampleFactors(dims: readonly number[], maxVoxels = MAX_TEXTURE_VOXELS): Vec3i {
  const f: Vec3i = [1, 1, 1];
  const n = () => Math.floor(dims[0] / f[0]) * Math.floor(dims[1] / f[1]) * Math.floor(dims[2] / f[2]);
  while (n() > maxVoxels) {
    const sizes = [dims[0] / f[0], dims[1] / f[1], (dims[2] / f[2]) * 0.75];
    const a = sizes[0] >= sizes[1] && sizes[0] >= sizes[2] ? 0 : sizes[1] >= sizes[2] ? 1 : 2;
    f[a] *= 2;
  }
  return f;
}

/** An averaged-down grid: averaging factors per axis and the resulting dimensions. */
export interface Grid {
  factors: Vec3i;
  dims: Vec3i;
}

/** The averaged-down grid of `v`. */
function downsampledGrid(v: Volume): Grid {
  const f = downsampleFactors(v.dimensions);
  const [nx, ny, nz] = v.dimensions;
  return { factors: f, dims: [Math.floor(nx / f[0]), Math.floor(ny / f[1]), Math.floor(nz / f[2])] };
}

/**
 * Averages `v` down to `grid` into `out` (via `put(index, value)`), a few slices per display
 * frame within the anatomy CPU budget, then calls `done`. Large series take many frames, but no
 * waveform frame waits for the conversion.
 */
function downsampleInFrames(v: Volume, grid: Grid, put: (o: number, val: number) => void, done: () => void): void {
  const [nx, ny] = v.dimensions;
  const {
    factors: f,
    dims: [dx, dy, dz],
  } = grid;
  const src = v.data;
  const norm = 1 / (f[0] * f[1] * f[2]);
  const one = f[0] === 1 && f[1] === 1 && f[2] === 1;
  let k = 0;
  anatomyScheduler.request({
    run(deadline: number): boolean {
      while (k < dz) {
        let o = k * dx * dy;
        for (let j = 0; j < dy; j++)
          for (let i = 0; i < dx; i++, o++) {
            if (one) {
              put(o, src[(k * ny + j) * nx + i]);
              continue;
            }
            let sum = 0;
            for (let c = 0; c < f[2]; c++)
              for (let b = 0; b < f[1]; b++) for (let a = 0; a < f[0]; a++) sum += src[((k * f[2] + c) * ny + j * f[1] + b) * nx + i * f[0] + a];
            put(o, sum * norm);
          }
        k++;
        if (performance.now() > deadline) return k < dz || (done(), false);
      }
      done();
      return false;
    },
  });
}

/** Converts volumes into one backend's copy of the grid; a later volume supersedes an unfinished one. */
export class GridConverter<T extends ArrayLike<number>> {
  private latest: Volume | null = null;

  /**
   * Averages `v` down into a buffer from `alloc(voxels)`, written through `writer(buffer)`, over
   * several frames; then `done(grid, buffer)`, unless `convert` was called again meanwhile.
   */
  convert(v: Volume, alloc: (voxels: number) => T, writer: (out: T) => (o: number, val: number) => void, done: (grid: Grid, out: T) => void): void {
    this.latest = v;
    const grid = downsampledGrid(v);
    const out = alloc(grid.dims[0] * grid.dims[1] * grid.dims[2]);
    downsampleInFrames(v, grid, writer(out), () => {
      if (this.latest === v) done(grid, out);
    });
  }
}
