/**
 * The 3D view on a GPU: three.js on WebGL2, a 3D texture of real values and the ray-casting
 * shader (raycast-shader.ts), under a per-frame GPU budget (budget.ts):
 *
 * - A pass is rendered into an offscreen target in horizontal strips, a few per display frame,
 *   each frame's strips sized to the budget; a fence tells whether the GPU finished the previous
 *   frame's strips before more are issued (gpu-timing.ts). The canvas only changes when a pass is
 *   complete (one cheap textured quad), so no frame waits on a half-done ray cast.
 * - Once per volume a blocking calibration measures the ray cast's cost on this machine.
 */
import * as THREE from 'three';
import type { Volume } from '../../../../common/volume';
import { bakeTransfer } from '../transfer';
import { FrameBudget, stripRows, DEFAULT_BUDGET, type PassPlan } from '../budget';
import type { FrameInfo } from '../scheduler';
import { BACKGROUND, type TransferSpec, type VolumeBackend } from './backend';
import { GridConverter, type Grid, type Vec3i } from './downsample';
import { cloneRaycastUniforms, RaycastShader, type RaycastUniforms } from './raycast-shader';
import { createTransferTexture, createVolumeTexture, halfFloatWriter, textureToPatient, TRANSFER_TEXELS } from './texture-upload';
import { GpuTiming } from './gpu-timing';
import type { PassState, ProgressiveScheduler } from './progressive';

/** Display frames an interactive image may take (≥ 10 images/s at 60 Hz, with margin). */
const FRAMES_PER_INTERACTIVE_IMAGE = 4;

type RaycastMesh = THREE.Mesh<THREE.BoxGeometry, THREE.ShaderMaterial & { uniforms: RaycastUniforms }>;

export class WebglBackend implements VolumeBackend {
  readonly kind = 'webgl';
  readonly renderer: THREE.WebGLRenderer | null = null;
  readonly error: string | null = null;
  /** The volume's scene: the ray-cast proxy cube (`mesh`) once a volume is uploaded. */
  readonly scene = new THREE.Scene();
  mesh: RaycastMesh | null = null;
  readonly budget = new FrameBudget(DEFAULT_BUDGET);
  private readonly timing: GpuTiming | null = null;
  private readonly blitScene = new THREE.Scene();
  private readonly blitCamera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly blitMaterial = new THREE.MeshBasicMaterial({ depthTest: false, depthWrite: false });
  private texture: THREE.Data3DTexture | null = null;
  private tfTexture: THREE.DataTexture | null = null;
  private readonly targets = new Map<number, THREE.WebGLRenderTarget>();
  private readonly converter = new GridConverter<Uint16Array>();
  private calibrated = false;
  private issuedLastFrame = false;
  /** The pass is rendered and waits to be shown. */
  private pendingPresent = false;

  /** `onLost`: the graphics context was lost (the view stays as it is). */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly passes: ProgressiveScheduler,
    onLost: () => void,
  ) {
    try {
      const r = new THREE.WebGLRenderer({
        canvas,
        antialias: false,
        depth: false,
        stencil: false,
        alpha: false,
        powerPreference: 'high-performance',
        preserveDrawingBuffer: false,
      });
      r.autoClear = false;
      r.setPixelRatio(1);
      r.outputColorSpace = THREE.LinearSRGBColorSpace;
      this.renderer = r;
      this.timing = new GpuTiming(r.getContext() as WebGL2RenderingContext);
      canvas.addEventListener('webglcontextlost', (e) => {
        e.preventDefault();
        (this as { error: string | null }).error = 'The 3D view lost its graphics context.';
        onLost();
      });
    } catch (e) {
      this.error = `3D view needs WebGL2: ${(e as Error).message}`;
      this.renderer = null;
    }
    this.blitScene.add(new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.blitMaterial));
  }

  get available(): boolean {
    return !!this.renderer;
  }

  resize(w: number, h: number): void {
    if (!this.renderer) return;
    this.renderer.setSize(w, h, false);
    for (const t of this.targets.values()) t.dispose();
    this.targets.clear();
  }

  setVolume(v: Volume, ready: (dims: Vec3i) => void): void {
    if (!this.renderer) return;
    this.converter.convert(
      v,
      (n) => new Uint16Array(n),
      (half) => halfFloatWriter(v, half),
      (grid, half) => {
        this.upload(v, grid, half);
        ready(grid.dims);
      },
    );
  }

  /** The converted volume to the GPU, and the proxy cube placed in patient space. */
  private upload(v: Volume, grid: Grid, half: Uint16Array): void {
    const [dx, dy, dz] = grid.dims;
    this.texture?.dispose();
    const tex = createVolumeTexture(half, grid.dims);
    this.texture = tex;
    const m4 = textureToPatient(v, grid);
    if (!this.mesh) {
      const geo = new THREE.BoxGeometry(1, 1, 1);
      geo.translate(0.5, 0.5, 0.5);
      const mat = new THREE.ShaderMaterial({
        glslVersion: THREE.GLSL3,
        vertexShader: RaycastShader.vertexShader,
        fragmentShader: RaycastShader.fragmentShader,
        side: THREE.BackSide,
        depthTest: false,
        depthWrite: false,
        uniforms: cloneRaycastUniforms(),
      }) as THREE.ShaderMaterial & { uniforms: RaycastUniforms };
      this.mesh = new THREE.Mesh(geo, mat);
      this.mesh.matrixAutoUpdate = false;
      this.mesh.frustumCulled = false;
      this.scene.add(this.mesh);
    }
    this.mesh.matrix.copy(m4);
    this.mesh.matrixWorld.copy(m4);
    const u = this.mesh.material.uniforms;
    u.uVolume.value = tex;
    u.uTexToMm.value = new THREE.Matrix3().setFromMatrix4(m4);
    u.uVoxelTex.value.set(1 / dx, 1 / dy, 1 / dz);
    this.calibrated = false;
  }

  setTransfer(t: TransferSpec): void {
    if (!this.mesh) return;
    const u = this.mesh.material.uniforms;
    if (t.mode === 'mip') {
      u.uMode.value = 1;
      u.uWindow.value.set(t.window[0], t.window[1]);
      return;
    }
    u.uMode.value = 0;
    u.uShade.value = t.shade ? 1 : 0;
    const { rgba, firstVisible } = bakeTransfer(t.points, t.lo, t.hi, TRANSFER_TEXELS);
    this.tfTexture?.dispose();
    this.tfTexture = createTransferTexture(rgba);
    u.uTransfer.value = this.tfTexture;
    u.uTfRange.value.set(t.lo, t.hi);
    u.uFirstVisible.value = firstVisible;
  }

  /** Points the shader at `camera` with `steps` samples along the longest ray. */
  aim(camera: THREE.PerspectiveCamera, steps: number): void {
    const u = this.mesh!.material.uniforms;
    u.uSteps.value = steps;
    u.uCameraTex.value.copy(camera.position).applyMatrix4(new THREE.Matrix4().copy(this.mesh!.matrixWorld).invert());
  }

  /** The offscreen target of a w x h pass (kept until the view is resized). */
  private target(w: number, h: number): THREE.WebGLRenderTarget {
    const key = w * 100000 + h;
    let rt = this.targets.get(key);
    if (!rt) {
      const linear = THREE.LinearFilter;
      rt = new THREE.WebGLRenderTarget(w, h, { depthBuffer: false, stencilBuffer: false, minFilter: linear, magFilter: linear, generateMipmaps: false });
      this.targets.set(key, rt);
    }
    return rt;
  }

  /** Renders rows [row, row+rows) of the current pass into its target; returns the units issued. */
  private renderStrip(p: PassState, rows: number, timed = true): number {
    const renderer = this.renderer!;
    const rt = this.target(p.w, p.h);
    this.aim(p.camera, p.steps);
    const y0 = p.row;
    const n = Math.min(rows, p.h - y0);
    rt.viewport.set(0, 0, p.w, p.h);
    rt.scissor.set(0, p.h - y0 - n, p.w, n); // rows counted from the top
    rt.scissorTest = true;
    renderer.setRenderTarget(rt);
    renderer.setClearColor(BACKGROUND, 1);
    const q = timed ? this.timing!.begin(n * p.w * p.steps) : null;
    renderer.clear(true, false, false);
    renderer.render(this.scene, p.camera);
    this.timing!.end(q);
    rt.scissorTest = false;
    renderer.setRenderTarget(null);
    p.row += n;
    return n * p.w * p.steps;
  }

  /** The finished pass onto the canvas: one textured quad. */
  private present(p: PassState): void {
    const renderer = this.renderer!;
    this.blitMaterial.map = this.target(p.w, p.h).texture;
    this.blitMaterial.needsUpdate = true;
    renderer.setRenderTarget(null);
    renderer.setViewport(0, 0, this.canvas.width, this.canvas.height);
    renderer.render(this.blitScene, this.blitCamera);
    this.passes.shown(p);
  }

  /**
   * Blocking measurement of the ray cast's cost on this machine (once per volume): a warm-up row
   * (shader compile, texture upload), then two strips of different heights through the middle of
   * the image, each waited for by reading a pixel: fixed cost per strip and cost per sample.
   */
  private calibrate(): void {
    const renderer = this.renderer!;
    const plan: PassPlan = { scale: 0.25, steps: Math.max(48, Math.ceil(this.passes.diagVoxels / 2.5)) };
    const p = this.passes.start(plan, true);
    const px = new Uint8Array(4);
    const rt = this.target(p.w, p.h);
    const strip = (rows: number) => {
      p.row = Math.max(0, Math.floor(p.h / 2 - rows / 2));
      const t0 = performance.now();
      const units = this.renderStrip(p, rows, false);
      renderer.readRenderTargetPixels(rt, 0, 0, 1, 1, px);
      return { units, ms: performance.now() - t0 };
    };
    strip(1);
    const a = strip(2);
    const b = strip(Math.max(4, Math.floor(p.h / 5)));
    this.budget.calibrate(a.units, a.ms, b.units, b.ms);
    this.passes.stats.calibratedMs = b.ms;
    this.passes.pass = null;
    this.calibrated = true;
  }

  /** Samples an interactive image may take: what the budget gets through in a few frames. */
  private unitsPerImage(): number {
    const b = this.budget;
    return (b.throughput || Math.max(1, (b.opts.targetMs - b.fixedMs) / b.msPerUnit)) * FRAMES_PER_INTERACTIVE_IMAGE;
  }

  frame(info: FrameInfo): boolean {
    if (!this.renderer || !this.mesh) return false;
    const passes = this.passes;
    const now = performance.now();
    if (!this.calibrated) {
      this.calibrate();
      this.issuedLastFrame = true;
      return true;
    }
    const interacting = passes.isInteracting(now);
    if (this.pendingPresent) {
      if (!passes.mayShow(passes.pass!, now)) return true;
      this.present(passes.pass!);
      passes.pass = null;
      this.pendingPresent = false;
      this.issuedLastFrame = false;
      return true;
    }
    passes.dropStale();
    if (!passes.pass) {
      if (!passes.next(now, interacting, this.unitsPerImage())) {
        this.issuedLastFrame = false;
        return false;
      }
      if (!passes.pass) {
        this.issuedLastFrame = false;
        return true;
      }
    }
    this.timing!.poll(this.budget);
    const units = this.budget.unitsForFrame(this.timing!.idle(), info.intervalMs, this.issuedLastFrame);
    const s = passes.stats;
    s.msPerUnit = this.budget.msPerUnit;
    s.fixedMs = this.budget.fixedMs;
    s.penalty = this.budget.penalty;
    s.busyFrames = this.budget.busyFrames;
    s.lateFrames = this.budget.lateFrames;
    this.issuedLastFrame = false;
    if (units === 0) return true;
    const p: PassState = passes.pass!;
    const issued = this.renderStrip(p, stripRows(units, p.w, p.steps));
    s.maxUnitsPerFrame = Math.max(s.maxUnitsPerFrame, issued);
    this.issuedLastFrame = true;
    if (p.row >= p.h) this.pendingPresent = true; // shown from the next frame on (its GPU work is done by then)
    this.timing!.fence();
    return true;
  }

  dispose(): void {
    this.timing?.dispose();
    this.texture?.dispose();
    this.tfTexture?.dispose();
    for (const t of this.targets.values()) t.dispose();
    this.targets.clear();
    this.mesh?.geometry.dispose();
    this.mesh?.material.dispose();
    this.blitMaterial.dispose();
    for (const m of this.blitScene.children) (m as THREE.Mesh).geometry.dispose();
    this.renderer?.dispose();
  }
}
