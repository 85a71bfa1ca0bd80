/**
 * The 3D view on a software renderer: the ray cast in a Web Worker (cpu-raycaster.ts) on the same
 * averaged-down grid as the WebGL texture, as real values. Each pass is made in strips of about
 * CPU_STRIP_MS of worker time, with at least as long a pause after each (the worker runs at most
 * half the time); a finished pass waits for its turn to be shown (interactive images are paced)
 * while the next one is made, and is drawn onto the canvas with the 2D context.
 */
import * as THREE from 'three';
import type { Volume } from '../../../../common/volume';
import { patientToVoxelMatrix, voxelToPatient } from '../../../../common/geometry';
import { bakeTransfer } from '../transfer';
import { BACKGROUND, type TransferSpec, type VolumeBackend } from './backend';
import { GridConverter, type Grid, type Vec3i } from './downsample';
import { CpuRaycaster, type CpuJob, type CpuResult } from './cpu-raycaster';
import type { PassState, ProgressiveScheduler } from './progressive';

/** Worker time per strip, and the least pause after it (the worker runs at most half the time), ms. */
const CPU_STRIP_MS = 20;
/** Transfer table entries in the worker (looked up without interpolation). */
const CPU_TRANSFER_ENTRIES = 1024;
/** Samples per ms assumed before the worker has been measured. */
const INITIAL_UNITS_PER_MS = 2e4;

/** A worker job (`job` without the camera) for the image seen by `cam`. */
export function rayJob(cam: THREE.PerspectiveCamera, job: Omit<CpuJob, 'invViewProj' | 'eye'>): CpuJob {
  const invViewProj = new THREE.Matrix4().multiplyMatrices(cam.matrixWorld, cam.projectionMatrixInverse);
  return { ...job, invViewProj: invViewProj.elements.slice(), eye: [cam.position.x, cam.position.y, cam.position.z] };
}

export class CpuBackend implements VolumeBackend {
  readonly kind = 'cpu';
  readonly available = true;
  readonly error = null;
  readonly raycaster = new CpuRaycaster();
  private readonly converter = new GridConverter<Int16Array | Float32Array>();
  private result: CpuResult | null = null;
  private jobId = 0;
  private image: ImageData | null = null;
  private readonly offscreen = document.createElement('canvas');
  /** Nominal samples per ms the worker manages (moving average). */
  private unitsPerMs = 0;
  /** A finished image waiting for its turn to be shown. */
  private ready: { pass: PassState; image: ImageData } | null = null;
  private stripEndMs = 0;
  private pauseMs = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly passes: ProgressiveScheduler,
  ) {}

  resize(w: number, h: number): void {
    if (this.canvas.width === w && this.canvas.height === h) return;
    this.canvas.width = w;
    this.canvas.height = h;
  }

  setVolume(v: Volume, ready: (dims: Vec3i) => void): void {
    const alloc = (n: number) => (v.data instanceof Int16Array ? new Int16Array(n) : new Float32Array(n));
    this.converter.convert(
      v,
      alloc,
      (out) => (o, val) => (out[o] = val),
      (grid, out) => {
        this.upload(v, grid, out);
        ready(grid.dims);
      },
    );
  }

  /** The grid to the worker, with its placement in patient space. */
  private upload(v: Volume, { factors: f, dims }: Grid, out: Int16Array | Float32Array): void {
    const origin = voxelToPatient(v, [(f[0] - 1) / 2, (f[1] - 1) / 2, (f[2] - 1) / 2]);
    const g = { dimensions: dims, spacing: [v.spacing[0] * f[0], v.spacing[1] * f[1], v.spacing[2] * f[2]] as Vec3i, origin, direction: v.direction };
    this.raycaster.setVolume({ dims, data: out, patientToVoxel: Array.from(patientToVoxelMatrix(g)), voxelMm: g.spacing });
  }

  setTransfer(t: TransferSpec): void {
    if (t.mode === 'mip') {
      this.raycaster.setTransfer({ mode: 1, lut: new Float32Array(4), lo: 0, hi: 1, firstVisible: -Infinity, shade: false, window: t.window });
      return;
    }
    const { rgba, firstVisible } = bakeTransfer(t.points, t.lo, t.hi, CPU_TRANSFER_ENTRIES);
    const lut = new Float32Array(rgba.length);
    for (let i = 0; i < rgba.length; i++) lut[i] = rgba[i] / 255;
    this.raycaster.setTransfer({ mode: 0, lut, lo: t.lo, hi: t.hi, firstVisible, shade: t.shade, window: [0, 1] });
  }

  /** One display frame: take a finished strip, show a finished pass, send the next strip. */
  frame(): boolean {
    const passes = this.passes;
    const now = performance.now();
    const interacting = passes.isInteracting(now);
    const r = this.result;
    if (r && passes.pass && r.id === this.jobId) {
      this.result = null;
      const p = passes.pass;
      this.image!.data.set(r.rgba, r.rowFrom * p.w * 4);
      p.row = r.rowTo;
      const units = (r.rowTo - r.rowFrom) * p.w * p.steps;
      if (r.ms > 1) this.unitsPerMs = this.unitsPerMs ? this.unitsPerMs * 0.7 + (units / r.ms) * 0.3 : units / r.ms;
      passes.stats.msPerUnit = this.unitsPerMs ? 1 / this.unitsPerMs : 0;
      if (p.row >= p.h) {
        // Finished: it waits to be shown while the next image (if the view moved on) is made.
        this.ready = { pass: p, image: this.image! };
        this.image = null;
        passes.pass = null;
      }
    }
    if (this.ready && passes.mayShow(this.ready.pass, now)) {
      this.present(this.ready.pass, this.ready.image);
      this.ready = null;
    }
    if (this.raycaster.busy) return true;
    if (now - this.stripEndMs < this.pauseMs) return true; // duty cycle
    passes.dropStale();
    if (!passes.pass && this.ready && !passes.viewMoved) return true; // nothing new to make yet
    if (!passes.pass) {
      if (!passes.next(now, interacting, (this.unitsPerMs || INITIAL_UNITS_PER_MS) * passes.pacing.imageMs)) return false;
      const np = passes.pass as PassState | null;
      if (!np) return true;
      if (!this.image || this.image.width !== np.w || this.image.height !== np.h) this.image = new ImageData(np.w, np.h);
    }
    const p = passes.pass as PassState;
    const perMs = this.unitsPerMs || INITIAL_UNITS_PER_MS;
    const rows = Math.max(1, Math.min(p.h - p.row, Math.floor((perMs * CPU_STRIP_MS) / (p.w * p.steps))));
    const background: [number, number, number] = [BACKGROUND.r, BACKGROUND.g, BACKGROUND.b];
    const job = rayJob(p.camera, { id: ++this.jobId, width: p.w, height: p.h, rowFrom: p.row, rowTo: p.row + rows, steps: p.steps, background });
    void this.raycaster.run(job).then((res) => {
      this.result = res;
      this.stripEndMs = performance.now();
      this.pauseMs = Math.min(CPU_STRIP_MS, res.ms);
      this.passes.kick();
    });
    return true;
  }

  /** A finished pass onto the canvas, scaled to its size. */
  private present(p: PassState, image: ImageData): void {
    this.offscreen.width = p.w;
    this.offscreen.height = p.h;
    this.offscreen.getContext('2d')!.putImageData(image, 0, 0);
    const g = this.canvas.getContext('2d', { alpha: false })!;
    g.imageSmoothingEnabled = true;
    g.drawImage(this.offscreen, 0, 0, this.canvas.width, this.canvas.height);
    this.passes.shown(p);
  }

  dispose(): void {
    this.raycaster.dispose();
  }
}
