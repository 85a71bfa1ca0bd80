/**
 * The same ray cast as raycast-shader.ts, on the CPU in a Web Worker: for software renderers.
 *
 * Why: with no GPU, Chromium runs WebGL in SwiftShader on the GPU process's main thread, the
 * thread that also composites every display frame. Measured here, that thread is already busy
 * most of each frame compositing the page, so ray-cast strips queue behind it (or delay it) and
 * the 3D view got ~2 images/s. A worker runs beside it: the GPU process (which Chromium gives a
 * higher scheduling priority) keeps compositing the waveforms, and the worker takes what CPU is
 * left. The result is an RGBA strip handed back to the page.
 *
 * The worker's code is a self-contained function turned into a Blob URL (the display's CSP
 * allows `worker-src blob:`), so the renderer stays one bundle.
 */

export interface CpuVolume {
  dims: [number, number, number];
  data: Int16Array | Float32Array;
  /** patient mm -> texture voxel index (of `data`), column-major 4x4. */
  patientToVoxel: number[];
  /** Length in mm of one voxel step along each axis (for opacity correction). */
  voxelMm: [number, number, number];
}

export interface CpuTransfer {
  mode: 0 | 1;
  /** RGBA float per entry: colour 0..1, opacity per mm. */
  lut: Float32Array;
  lo: number;
  hi: number;
  firstVisible: number;
  shade: boolean;
  window: [number, number];
}

export interface CpuJob {
  id: number;
  width: number;
  height: number;
  rowFrom: number;
  rowTo: number;
  steps: number;
  /** Inverse of projection * view (NDC -> patient), column-major. */
  invViewProj: number[];
  /** Camera position, patient mm. */
  eye: [number, number, number];
  background: [number, number, number];
}

export interface CpuResult {
  id: number;
  rowFrom: number;
  rowTo: number;
  rgba: Uint8ClampedArray;
  ms: number;
  samples: number;
}

/** The worker. Self-contained: no imports, no closures over module scope. */
function workerMain(): void {
  let dims = [1, 1, 1];
  let data: Int16Array | Float32Array = new Int16Array(1);
  let p2v: number[] = [];
  let blockMax: Float32Array = new Float32Array(1);
  let bdims = [1, 1, 1];
  const B = 8;
  let tf: { mode: number; lut: Float32Array; lo: number; hi: number; firstVisible: number; shade: boolean; window: number[] } | null = null;

  /** Max of each 8^3 block, widened by one voxel (what trilinear reads across its border). */
  function buildBlocks(): void {
    const [nx, ny, nz] = dims;
    bdims = [Math.ceil(nx / B), Math.ceil(ny / B), Math.ceil(nz / B)];
    blockMax = new Float32Array(bdims[0] * bdims[1] * bdims[2]);
    for (let bz = 0; bz < bdims[2]; bz++)
      for (let by = 0; by < bdims[1]; by++)
        for (let bx = 0; bx < bdims[0]; bx++) {
          let m = -Infinity;
          const z1 = Math.min(nz - 1, bz * B + B),
            y1 = Math.min(ny - 1, by * B + B),
            x1 = Math.min(nx - 1, bx * B + B);
          for (let z = bz * B; z <= z1; z++)
            for (let y = by * B; y <= y1; y++) {
              const row = (z * ny + y) * nx;
              for (let x = bx * B; x <= x1; x++) if (data[row + x] > m) m = data[row + x];
            }
          blockMax[(bz * bdims[1] + by) * bdims[0] + bx] = m;
        }
  }

  function render(job: CpuJob): CpuResult {
    const t0 = performance.now();
    const [nx, ny, nz] = dims;
    const w = job.width,
      rows = job.rowTo - job.rowFrom;
    const out = new Uint8ClampedArray(w * rows * 4);
    const m = job.invViewProj;
    const e = job.eye;
    const bg = job.background;
    const t = tf!;
    // Eye in voxel space.
    const ex = p2v[0] * e[0] + p2v[4] * e[1] + p2v[8] * e[2] + p2v[12];
    const ey = p2v[1] * e[0] + p2v[5] * e[1] + p2v[9] * e[2] + p2v[13];
    const ez = p2v[2] * e[0] + p2v[6] * e[1] + p2v[10] * e[2] + p2v[14];
    // Step: the volume's diagonal in `steps` samples, in mm (the ray direction is in mm).
    const diagMm = Math.hypot(nx / Math.hypot(p2v[0], p2v[1], p2v[2]), ny / Math.hypot(p2v[4], p2v[5], p2v[6]), nz / Math.hypot(p2v[8], p2v[9], p2v[10]));
    const stepMm = diagMm / job.steps;
    // Opacity corrected for the step length, per table entry.
    const n = t.lut.length / 4;
    const alpha = new Float32Array(n);
    for (let i = 0; i < n; i++) alpha[i] = 1 - Math.pow(Math.max(1 - t.lut[i * 4 + 3], 1e-4), stepMm);
    const lutScale = (n - 1) / (t.hi - t.lo);
    const d = data;
    const sxy = nx * ny;
    const mx = nx - 1,
      my = ny - 1,
      mz = nz - 1;
    const bnx = bdims[0],
      bnxy = bdims[0] * bdims[1];
    const first = t.firstVisible;
    const skipMm = stepMm * 3;
    let samples = 0;
    const sample = (x: number, y: number, z: number): number => {
      let x0 = x | 0,
        y0 = y | 0,
        z0 = z | 0;
      if (x0 >= mx) x0 = mx - 1;
      if (y0 >= my) y0 = my - 1;
      if (z0 >= mz) z0 = mz - 1;
      if (x0 < 0) x0 = 0;
      if (y0 < 0) y0 = 0;
      if (z0 < 0) z0 = 0;
      const fx = x - x0,
        fy = y - y0,
        fz = z - z0;
      const b = z0 * sxy + y0 * nx + x0;
      const c00 = d[b] + (d[b + 1] - d[b]) * fx;
      const c10 = d[b + nx] + (d[b + nx + 1] - d[b + nx]) * fx;
      const c01 = d[b + sxy] + (d[b + sxy + 1] - d[b + sxy]) * fx;
      const c11 = d[b + sxy + nx] + (d[b + sxy + nx + 1] - d[b + sxy + nx]) * fx;
      const c0 = c00 + (c10 - c00) * fy;
      const c1 = c01 + (c11 - c01) * fy;
      return c0 + (c1 - c0) * fz;
    };
    for (let py = job.rowFrom; py < job.rowTo; py++) {
      for (let px = 0; px < w; px++) {
        // Pixel -> NDC -> patient point on the far plane -> ray direction (mm).
        const nxd = ((px + 0.5) / w) * 2 - 1,
          nyd = 1 - ((py + 0.5) / job.height) * 2;
        const hx = m[0] * nxd + m[4] * nyd + m[8] + m[12];
        const hy = m[1] * nxd + m[5] * nyd + m[9] + m[13];
        const hz = m[2] * nxd + m[6] * nyd + m[10] + m[14];
        const hw = m[3] * nxd + m[7] * nyd + m[11] + m[15];
        let dx = hx / hw - e[0],
          dy = hy / hw - e[1],
          dz = hz / hw - e[2];
        const dl = Math.hypot(dx, dy, dz);
        dx /= dl;
        dy /= dl;
        dz /= dl;
        // Direction per mm, in voxel space.
        const vx = p2v[0] * dx + p2v[4] * dy + p2v[8] * dz;
        const vy = p2v[1] * dx + p2v[5] * dy + p2v[9] * dz;
        const vz = p2v[2] * dx + p2v[6] * dy + p2v[10] * dz;
        const shadeK = 1.5 / Math.hypot(vx, vy, vz); // 1.5 voxels toward the viewer
        // Slab intersection with [-0.5, n - 0.5]^3.
        let tn = 0,
          tf2 = Infinity;
        const slab = (o: number, v: number, lo: number, hi: number) => {
          if (Math.abs(v) < 1e-12) {
            if (o < lo || o > hi) tn = Infinity;
            return;
          }
          let a = (lo - o) / v,
            b = (hi - o) / v;
          if (a > b) {
            const tmp = a;
            a = b;
            b = tmp;
          }
          if (a > tn) tn = a;
          if (b < tf2) tf2 = b;
        };
        slab(ex, vx, -0.5, nx - 0.5);
        slab(ey, vy, -0.5, ny - 0.5);
        slab(ez, vz, -0.5, nz - 0.5);
        let r = bg[0],
          g = bg[1],
          bl = bg[2];
        if (tn < tf2) {
          // Jitter the start (as the shader does) against wood-grain artefacts.
          let tt = tn + (stepMm * (((px * 73856093) ^ (py * 19349663)) & 1023)) / 1024;
          if (t.mode === 1) {
            let mxv = -1e9;
            while (tt <= tf2) {
              const x = ex + vx * tt,
                y = ey + vy * tt,
                z = ez + vz * tt;
              const bi = (((z < 0 ? 0 : z) / B) | 0) * bnxy + (((y < 0 ? 0 : y) / B) | 0) * bnx + (((x < 0 ? 0 : x) / B) | 0);
              if (blockMax[bi] <= mxv) {
                tt += skipMm;
                continue;
              }
              const v = sample(x, y, z);
              samples++;
              if (v > mxv) mxv = v;
              tt += stepMm;
            }
            const gv = Math.min(1, Math.max(0, (mxv - (t.window[0] - t.window[1] / 2)) / Math.max(1, t.window[1])));
            r = g = bl = gv;
          } else {
            let ar = 0,
              ag = 0,
              ab = 0,
              aa = 0;
            while (tt <= tf2) {
              const x = ex + vx * tt,
                y = ey + vy * tt,
                z = ez + vz * tt;
              const bi = (((z < 0 ? 0 : z) / B) | 0) * bnxy + (((y < 0 ? 0 : y) / B) | 0) * bnx + (((x < 0 ? 0 : x) / B) | 0);
              if (blockMax[bi] < first) {
                tt += skipMm;
                continue;
              }
              const v = sample(x, y, z);
              samples++;
              if (v >= first) {
                let li = ((v - t.lo) * lutScale + 0.5) | 0;
                if (li < 0) li = 0;
                else if (li >= n) li = n - 1;
                const a = alpha[li];
                if (a > 0.002) {
                  let cr = t.lut[li * 4],
                    cg = t.lut[li * 4 + 1],
                    cb = t.lut[li * 4 + 2];
                  if (t.shade) {
                    const v2 = sample(x - vx * shadeK, y - vy * shadeK, z - vz * shadeK);
                    const lit = Math.min(1, Math.max(0, (v - v2) / 150));
                    const k = 0.35 + 0.75 * lit;
                    cr *= k;
                    cg *= k;
                    cb *= k;
                  }
                  const wgt = (1 - aa) * a;
                  ar += wgt * cr;
                  ag += wgt * cg;
                  ab += wgt * cb;
                  aa += wgt;
                  if (aa > 0.97) break;
                }
              }
              tt += stepMm;
            }
            r = ar + (1 - aa) * bg[0];
            g = ag + (1 - aa) * bg[1];
            bl = ab + (1 - aa) * bg[2];
          }
        }
        const o = ((py - job.rowFrom) * w + px) * 4;
        out[o] = r * 255;
        out[o + 1] = g * 255;
        out[o + 2] = bl * 255;
        out[o + 3] = 255;
      }
    }
    return { id: job.id, rowFrom: job.rowFrom, rowTo: job.rowTo, rgba: out, ms: performance.now() - t0, samples };
  }

  const scope = self as unknown as { onmessage: ((ev: MessageEvent) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };
  scope.onmessage = (ev: MessageEvent) => {
    const m = ev.data as { t: 'volume'; v: CpuVolume } | { t: 'transfer'; tf: CpuTransfer } | { t: 'job'; job: CpuJob };
    if (m.t === 'volume') {
      dims = m.v.dims;
      data = m.v.data;
      p2v = m.v.patientToVoxel;
      buildBlocks();
    } else if (m.t === 'transfer') tf = m.tf;
    else {
      const r = render(m.job);
      scope.postMessage(r, [r.rgba.buffer]);
    }
  };
}

/** Runs ray-cast jobs in a worker, one at a time. */
export class CpuRaycaster {
  private readonly worker: Worker;
  private readonly url: string;
  private pending: ((r: CpuResult) => void) | null = null;
  busy = false;

  constructor() {
    this.url = URL.createObjectURL(new Blob([`(${workerMain.toString()})();`], { type: 'text/javascript' }));
    this.worker = new Worker(this.url);
    this.worker.onmessage = (ev) => {
      this.busy = false;
      const p = this.pending;
      this.pending = null;
      p?.(ev.data as CpuResult);
    };
  }

  setVolume(v: CpuVolume): void {
    this.worker.postMessage({ t: 'volume', v });
  }

  setTransfer(tf: CpuTransfer): void {
    this.worker.postMessage({ t: 'transfer', tf });
  }

  run(job: CpuJob): Promise<CpuResult> {
    this.busy = true;
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage({ t: 'job', job });
    });
  }

  dispose(): void {
    this.worker.terminate();
    URL.revokeObjectURL(this.url);
  }
}
