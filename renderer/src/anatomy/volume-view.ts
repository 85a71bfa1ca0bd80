/**
 * The 3D view: three.js on WebGL2, a 3D texture of real values and a ray-casting shader
 * (raycast-shader.ts), rendered on demand under a per-frame GPU budget (budget.ts):
 *
 * - An image is rendered into an offscreen target in horizontal strips, a few per display
 *   frame, each frame's strips sized to the budget; a fence tells whether the GPU finished
 *   the previous frame's strips before more are issued. The canvas only changes when an image
 *   is complete (one cheap textured quad), so no frame waits on a half-done ray cast.
 * - While the user rotates/zooms/pans: low-resolution, fewer-step images, each started with
 *   the camera as it is then (so images keep completing while the camera moves).
 * - When still: progressive refinement to half, then full resolution with one sample per voxel.
 *
 * The orientation labels, the small orientation cube (its own small canvas), fiducials and the
 * instrument (marker-layer.ts) are DOM elements on top, placed with the camera of the image
 * shown (so they stay registered with it); no full-size transparent layer covers the image.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Volume } from '../../../common/volume';
import { invertAffine, multiply4, voxelToPatientMatrix, volumeCentre, patientBounds, type Vec3 } from '../../../common/geometry';
import { RAYCAST_FRAGMENT, RAYCAST_VERTEX } from './raycast-shader';
import { bakeTransfer, presetById, presetForRange, type VolumePreset } from './transfer';
import { FrameBudget, planPasses, stripRows, DEFAULT_BUDGET, type PassPlan } from './budget';
import { anatomyScheduler, type FrameInfo } from './scheduler';
import { drawOrientationCube, orientationLabel } from './orientation';
import type { InstrumentInImage, TrackingState } from './navigation';
import { CpuRaycaster, type CpuResult } from './cpu-raycaster';
import { patientToVoxelMatrix, voxelToPatient } from '../../../common/geometry';
import { MarkerLayer } from './marker-layer';

/** Most voxels the 3D texture holds; larger series are averaged down in-plane (slices keep full resolution). */
export const MAX_TEXTURE_VOXELS = 10_000_000;
/** Display frames an interactive image may take (≥ 10 images/s at 60 Hz, with margin). */
const FRAMES_PER_INTERACTIVE_IMAGE = 4;
/**
 * Interactive pacing. `imageMs`: CPU backend worker time for one interactive image; small on
 * purpose, since on a 2-core machine the worker's CPU is taken from the compositor and the page
 * (20 ms gives ~16.6 images/s at 0.43-0.50 resolution with no waveform frame missed; the duty
 * cycle below caps the worker at half a core either way). `presentMs`: while interacting, show
 * a new image at most this often, every third 60 Hz frame at most. They were 10 ms and 70 ms
 * when the harness composited on SwiftShader, where each shown image cost the compositor a large
 * frame; with software compositing (what Chromium does without a GPU) showing one costs no
 * waveform frame. bench:view measures both settings in the same run (`#...&pace3d=70,10`
 * overrides them).
 */
export function interactivePacing(): { presentMs: number; imageMs: number } {
  const m = /[#&]pace3d=(\d+),(\d+)\b/.exec(location.hash);
  return m ? { presentMs: Number(m[1]), imageMs: Number(m[2]) } : { presentMs: 45, imageMs: 20 };
}
/** CPU backend: worker time per strip, and the least pause after it (the worker runs at most half the time). */
const CPU_STRIP_MS = 20;
/** After the last camera change, the view counts as still after this long (ms). */
const SETTLE_MS = 150;
const BACKGROUND = new THREE.Color(0.02, 0.027, 0.04);

export interface VolumeViewStats {
  /** Images shown since load. */
  images: number;
  /** Images shown while interacting. */
  interactiveImages: number;
  /** ms from the view becoming still to the full-quality image (last time). */
  lastFullQualityMs: number | null;
  /** Currently shown image: fraction of full resolution and steps. */
  shownScale: number;
  shownSteps: number;
  fullQuality: boolean;
  msPerUnit: number;
  fixedMs: number;
  penalty: number;
  busyFrames: number;
  lateFrames: number;
  /** Largest units issued in one frame. */
  maxUnitsPerFrame: number;
  interactive: PassPlan | null;
  textureDims: [number, number, number];
  calibratedMs: number | null;
  lastImageMs: number | null;
}

interface PassState extends PassPlan {
  w: number;
  h: number;
  row: number;
  camera: THREE.PerspectiveCamera;
  interactive: boolean;
  startedMs: number;
}

export type RenderBackend = 'webgl' | 'cpu';

/**
 * WebGL (three.js ray-casting shader) on a GPU; the CPU worker (cpu-raycaster.ts) on a software
 * renderer, where WebGL work runs on the thread that composites every frame. `#...&render3d=cpu`
 * or `=webgl` overrides (benchmarks).
 */
export function chooseBackend(): { backend: RenderBackend; renderer: string } {
  const forced = /[#&]render3d=(cpu|webgl)\b/.exec(location.hash)?.[1] as RenderBackend | undefined;
  let name = 'unknown';
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    } else name = 'no WebGL2';
  } catch {
    name = 'no WebGL2';
  }
  const software = /swiftshader|llvmpipe|softpipe|software|no webgl2/i.test(name);
  return { backend: forced ?? (software ? 'cpu' : 'webgl'), renderer: name };
}

/** Int16 -> IEEE half bits, for all 65536 values. */
let halfTable: Uint16Array | null = null;
function int16ToHalf(): Uint16Array {
  if (!halfTable) {
    halfTable = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) halfTable[i] = THREE.DataUtils.toHalfFloat(i - 32768);
  }
  return halfTable;
}

/** Averaging factors so that the texture stays under MAX_TEXTURE_VOXELS (in-plane first). */
export function downsampleFactors(dims: readonly number[], maxVoxels = MAX_TEXTURE_VOXELS): [number, number, number] {
  const f: [number, number, number] = [1, 1, 1];
  const n = () => Math.floor(dims[0] / f[0]) * Math.floor(dims[1] / f[1]) * Math.floor(dims[2] / f[2]);
  while (n() > maxVoxels) {
    const sizes = [dims[0] / f[0], dims[1] / f[1], dims[2] / f[2] * 0.75];
    const a = sizes[0] >= sizes[1] && sizes[0] >= sizes[2] ? 0 : sizes[1] >= sizes[2] ? 1 : 2;
    f[a] *= 2;
  }
  return f;
}

/**
 * Averages `v` down by factors `f` into `out` (via `put(index, value)`), a few slices per display
 * frame within the anatomy CPU budget, then calls `done`. Large series take many frames, but no
 * waveform frame waits for the conversion.
 */
function downsampleInFrames(v: Volume, f: [number, number, number], put: (o: number, val: number) => void, done: () => void): void {
  const [nx, ny, nz] = v.dimensions;
  const dx = Math.floor(nx / f[0]), dy = Math.floor(ny / f[1]), dz = Math.floor(nz / f[2]);
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
            for (let c = 0; c < f[2]; c++) for (let b = 0; b < f[1]; b++) for (let a = 0; a < f[0]; a++) sum += src[((k * f[2] + c) * ny + j * f[1] + b) * nx + i * f[0] + a];
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

export class VolumeView {
  readonly canvas: HTMLCanvasElement;
  private readonly cube: HTMLCanvasElement;
  private readonly labelEls: HTMLDivElement[];
  private readonly fiducialEls: HTMLDivElement[] = [];
  private renderer: THREE.WebGLRenderer | null = null;
  private gl: WebGL2RenderingContext | null = null;
  readonly camera = new THREE.PerspectiveCamera(30, 1, 1, 5000);
  private controls: OrbitControls | null = null;
  private readonly scene = new THREE.Scene();
  private readonly blitScene = new THREE.Scene();
  private readonly blitCamera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private blitMaterial = new THREE.MeshBasicMaterial({ depthTest: false, depthWrite: false });
  private mesh: THREE.Mesh<THREE.BoxGeometry, THREE.ShaderMaterial> | null = null;
  private texture: THREE.Data3DTexture | null = null;
  private tfTexture: THREE.DataTexture | null = null;
  private readonly targets = new Map<number, THREE.WebGLRenderTarget>();
  private volume: Volume | null = null;
  private texDims: [number, number, number] = [1, 1, 1];
  private diagVoxels = 1;
  private preset: VolumePreset = presetById('ct-bone');
  readonly budget = new FrameBudget(DEFAULT_BUDGET);
  private calibrated = false;
  /** The volume is being converted for the 3D view (over several frames). */
  private preparing = false;
  /** Fences of the last frames' strips; a new strip waits until at most one is outstanding. */
  private readonly fences: WebGLSync[] = [];
  private timerExt: { TIME_ELAPSED_EXT: number; GPU_DISJOINT_EXT: number } | null = null;
  private readonly queries: { q: WebGLQuery; units: number }[] = [];
  readonly backend: RenderBackend;
  readonly rendererName: string;
  private cpu: CpuRaycaster | null = null;
  private readonly pacing = interactivePacing();
  private cpuResult: CpuResult | null = null;
  private cpuJobId = 0;
  private cpuImage: ImageData | null = null;
  private readonly cpuOffscreen = document.createElement('canvas');
  /** CPU backend: nominal samples per ms the worker manages (moving average). */
  private cpuUnitsPerMs = 0;
  /** CPU backend: a finished image waiting for its turn to be shown. */
  private ready: { pass: PassState; image: ImageData } | null = null;
  private cpuStripEndMs = 0;
  private cpuPauseMs = 0;
  private issuedLastFrame = false;
  private pass: PassState | null = null;
  /** The pass is rendered and waits to be shown. */
  private pendingPresent = false;
  private lastPresentMs = 0;
  private queue: PassPlan[] = [];
  private viewVersion = 0;
  private passVersion = -1;
  private lastChangeMs = 0;
  private interacting = false;
  private stillSinceMs = 0;
  private shownCamera: THREE.PerspectiveCamera | null = null;
  private cssW = 1;
  private cssH = 1;
  private readonly ro: ResizeObserver;
  private instrument: InstrumentInImage | null = null;
  private tracking: TrackingState = 'none';
  private fiducials: Vec3[] = [];
  private overlayQueued = false;
  private readonly marker: MarkerLayer;
  readonly error: string | null = null;
  readonly stats: VolumeViewStats = {
    images: 0,
    interactiveImages: 0,
    lastFullQualityMs: null,
    shownScale: 0,
    shownSteps: 0,
    fullQuality: false,
    msPerUnit: 0,
    fixedMs: 0,
    penalty: 1,
    busyFrames: 0,
    lateFrames: 0,
    maxUnitsPerFrame: 0,
    interactive: null,
    textureDims: [0, 0, 0],
    calibratedMs: null,
    lastImageMs: null,
  };
  /** Called after each image is shown (tests/benchmarks). */
  onImage: ((full: boolean) => void) | null = null;

  constructor(private readonly host: HTMLElement) {
    this.camera.up.set(0, 0, 1); // patient superior up (before the controls read it)
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'vol-canvas';
    this.canvas.dataset.testid = 'volume-canvas';
    this.cube = document.createElement('canvas');
    this.cube.className = 'vol-cube';
    this.labelEls = (['left', 'right', 'top', 'bottom'] as const).map((pos) => {
      const d = document.createElement('div');
      d.className = `orient-label orient-${pos}`;
      d.dataset.testid = `volume-label-${pos}`;
      return d;
    });
    host.append(this.canvas, this.cube, ...this.labelEls);
    this.marker = new MarkerLayer(host);
    const choice = chooseBackend();
    this.backend = choice.backend;
    this.rendererName = choice.renderer;
    host.dataset.backend = this.backend;
    if (this.backend === 'cpu') {
      this.cpu = new CpuRaycaster();
      this.controls = new OrbitControls(this.camera, this.canvas);
    } else try {
      this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: false, depth: false, stencil: false, alpha: false, powerPreference: 'high-performance', preserveDrawingBuffer: false });
      this.renderer.autoClear = false;
      this.renderer.setPixelRatio(1);
      this.renderer.outputColorSpace = THREE.LinearSRGBColorSpace;
      this.gl = this.renderer.getContext() as WebGL2RenderingContext;
      this.timerExt = this.gl.getExtension('EXT_disjoint_timer_query_webgl2') as typeof this.timerExt;
      this.canvas.addEventListener('webglcontextlost', (e) => {
        e.preventDefault();
        (this as { error: string | null }).error = 'The 3D view lost its graphics context.';
        this.host.dataset.error = 'context-lost';
      });
    } catch (e) {
      (this as { error: string | null }).error = `3D view needs WebGL2: ${(e as Error).message}`;
      this.renderer = null;
    }
    this.blitScene.add(new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.blitMaterial));
    if (this.renderer) this.controls = new OrbitControls(this.camera, this.canvas);
    if (this.controls) {
      this.controls.enableDamping = false;
      this.controls.rotateSpeed = 0.8;
      this.controls.zoomSpeed = 1.2;
      this.controls.screenSpacePanning = true;
      this.controls.addEventListener('start', () => {
        this.interacting = true;
      });
      this.controls.addEventListener('change', () => this.viewChanged());
      this.controls.addEventListener('end', () => {
        this.interacting = false;
        this.lastChangeMs = performance.now();
        this.kick();
      });
    }
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(host);
    this.resize();
  }

  get available(): boolean {
    return !!this.renderer || !!this.cpu;
  }

  private resize(): void {
    const r = this.host.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.cssW = Math.max(1, Math.round(r.width));
    this.cssH = Math.max(1, Math.round(r.height));
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (this.renderer) {
      this.renderer.setSize(w, h, false);
      for (const t of this.targets.values()) t.dispose();
      this.targets.clear();
    } else if (this.cpu && (this.canvas.width !== w || this.canvas.height !== h)) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.viewChanged(false);
  }

  /** Puts the volume in the 3D view (downsampled to MAX_TEXTURE_VOXELS, converted to half floats). */
  setVolume(v: Volume): void {
    this.volume = v;
    this.preparing = true;
    this.pass = null;
    if (this.cpu) return this.setVolumeCpu(v);
    if (!this.renderer) return;
    const f = downsampleFactors(v.dimensions);
    const [nx, ny, nz] = v.dimensions;
    const dx = Math.floor(nx / f[0]), dy = Math.floor(ny / f[1]), dz = Math.floor(nz / f[2]);
    const half = new Uint16Array(dx * dy * dz);
    const table = v.data instanceof Int16Array ? int16ToHalf() : null;
    downsampleInFrames(
      v,
      f,
      table ? (o, val) => (half[o] = table[(Math.round(val) + 32768) & 0xffff]) : (o, val) => (half[o] = THREE.DataUtils.toHalfFloat(val)),
      () => {
        if (this.volume === v) this.finishTexture(v, f, half, [dx, dy, dz]);
      },
    );
  }

  private finishTexture(v: Volume, f: [number, number, number], half: Uint16Array, [dx, dy, dz]: [number, number, number]): void {
    this.preparing = false;
    this.texture?.dispose();
    const tex = new THREE.Data3DTexture(half, dx, dy, dz);
    tex.format = THREE.RedFormat;
    tex.type = THREE.HalfFloatType;
    tex.minFilter = THREE.LinearFilter;
    tex.magFilter = THREE.LinearFilter;
    tex.unpackAlignment = 1;
    tex.generateMipmaps = false;
    tex.needsUpdate = true;
    this.texture = tex;
    this.texDims = [dx, dy, dz];
    this.stats.textureDims = [dx, dy, dz];
    this.diagVoxels = Math.hypot(dx, dy, dz);
    // texture [0,1]^3 -> original voxel index -> patient.
    const texToVoxel = new Float64Array([dx * f[0], 0, 0, 0, 0, dy * f[1], 0, 0, 0, 0, dz * f[2], 0, -0.5, -0.5, -0.5, 1]);
    const texToPatient = multiply4(voxelToPatientMatrix(v), texToVoxel);
    const m4 = new THREE.Matrix4().fromArray(Array.from(texToPatient));
    if (!this.mesh) {
      const geo = new THREE.BoxGeometry(1, 1, 1);
      geo.translate(0.5, 0.5, 0.5);
      const mat = new THREE.ShaderMaterial({
        glslVersion: THREE.GLSL3,
        vertexShader: RAYCAST_VERTEX,
        fragmentShader: RAYCAST_FRAGMENT,
        side: THREE.BackSide,
        depthTest: false,
        depthWrite: false,
        uniforms: {
          uVolume: { value: null },
          uTransfer: { value: null },
          uValueScale: { value: 1 },
          uValueOffset: { value: 0 },
          uTfRange: { value: new THREE.Vector2(-1024, 3071) },
          uFirstVisible: { value: -1024 },
          uCameraTex: { value: new THREE.Vector3() },
          uSteps: { value: 128 },
          uTexToMm: { value: new THREE.Matrix3() },
          uMode: { value: 0 },
          uShade: { value: 1 },
          uWindow: { value: new THREE.Vector2(300, 1200) },
          uBackground: { value: new THREE.Vector3(0.02, 0.027, 0.04) },
          uVoxelTex: { value: new THREE.Vector3() },
        },
      });
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
    this.applyPreset();
    this.resetCamera();
    this.calibrated = false;
  }

  /** CPU backend: the same averaged-down grid as the texture, as real values, to the worker. */
  private setVolumeCpu(v: Volume): void {
    const f = downsampleFactors(v.dimensions);
    const [nx, ny, nz] = v.dimensions;
    const dx = Math.floor(nx / f[0]), dy = Math.floor(ny / f[1]), dz = Math.floor(nz / f[2]);
    const out = v.data instanceof Int16Array ? new Int16Array(dx * dy * dz) : new Float32Array(dx * dy * dz);
    downsampleInFrames(
      v,
      f,
      (o, val) => (out[o] = val),
      () => {
        if (this.volume === v) this.finishCpuVolume(v, f, out, [dx, dy, dz]);
      },
    );
  }

  private finishCpuVolume(v: Volume, f: [number, number, number], out: Int16Array | Float32Array, [dx, dy, dz]: [number, number, number]): void {
    this.preparing = false;
    const origin = voxelToPatient(v, [(f[0] - 1) / 2, (f[1] - 1) / 2, (f[2] - 1) / 2]);
    const g = { dimensions: [dx, dy, dz] as [number, number, number], spacing: [v.spacing[0] * f[0], v.spacing[1] * f[1], v.spacing[2] * f[2]] as [number, number, number], origin, direction: v.direction };
    this.cpu!.setVolume({ dims: [dx, dy, dz], data: out, patientToVoxel: Array.from(patientToVoxelMatrix(g)), voxelMm: g.spacing });
    this.texDims = [dx, dy, dz];
    this.stats.textureDims = [dx, dy, dz];
    this.diagVoxels = Math.hypot(dx, dy, dz);
    this.applyPreset();
    this.resetCamera();
    this.calibrated = true;
  }

  setPreset(id: string): void {
    this.preset = presetById(id);
    this.applyPreset();
    this.viewChanged(false);
  }

  private applyPreset(): void {
    if (this.cpu && this.volume) return this.applyPresetCpu();
    if (!this.mesh || !this.volume) return;
    const u = this.mesh.material.uniforms;
    const preset = presetForRange(this.preset, this.volume.valueRange);
    if (preset.mode === 'mip') {
      u.uMode.value = 1;
      const w = this.volume.unit === 'HU' ? preset.window! : ([(this.volume.valueRange[0] + this.volume.valueRange[1]) / 2, this.volume.valueRange[1] - this.volume.valueRange[0]] as [number, number]);
      u.uWindow.value.set(w[0], w[1]);
      return;
    }
    u.uMode.value = 0;
    u.uShade.value = preset.shade ? 1 : 0;
    const lo = preset.points[0].v, hi = preset.points[preset.points.length - 1].v;
    const { rgba, firstVisible } = bakeTransfer(preset.points, lo, hi, 512);
    this.tfTexture?.dispose();
    const tf = new THREE.DataTexture(rgba, 512, 1, THREE.RGBAFormat, THREE.UnsignedByteType);
    tf.minFilter = THREE.LinearFilter;
    tf.magFilter = THREE.LinearFilter;
    tf.needsUpdate = true;
    this.tfTexture = tf;
    u.uTransfer.value = tf;
    u.uTfRange.value.set(lo, hi);
    u.uFirstVisible.value = firstVisible;
  }

  private applyPresetCpu(): void {
    const v = this.volume!;
    const preset = presetForRange(this.preset, v.valueRange);
    if (preset.mode === 'mip') {
      const w = v.unit === 'HU' ? preset.window! : ([(v.valueRange[0] + v.valueRange[1]) / 2, v.valueRange[1] - v.valueRange[0]] as [number, number]);
      this.cpu!.setTransfer({ mode: 1, lut: new Float32Array(4), lo: 0, hi: 1, firstVisible: -Infinity, shade: false, window: w });
      return;
    }
    const lo = preset.points[0].v, hi = preset.points[preset.points.length - 1].v;
    const { rgba, firstVisible } = bakeTransfer(preset.points, lo, hi, 1024);
    const lut = new Float32Array(rgba.length);
    for (let i = 0; i < rgba.length; i++) lut[i] = rgba[i] / 255;
    this.cpu!.setTransfer({ mode: 0, lut, lo, hi, firstVisible, shade: preset.shade, window: [0, 1] });
  }

  /** Anterior view (facing the patient: patient left on screen right, superior up), whole volume in view. */
  resetCamera(): void {
    if (!this.volume) return;
    const c = volumeCentre(this.volume);
    const [lo, hi] = patientBounds(this.volume);
    const radius = 0.5 * Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
    const dist = radius / Math.sin(((this.camera.fov / 2) * Math.PI) / 180) * 0.8;
    this.camera.position.set(c[0], c[1] - dist, c[2]);
    this.camera.up.set(0, 0, 1);
    this.camera.near = Math.max(1, dist - radius * 2);
    this.camera.far = dist + radius * 2;
    this.camera.lookAt(c[0], c[1], c[2]);
    this.camera.updateProjectionMatrix();
    if (this.controls) {
      this.controls.target.set(c[0], c[1], c[2]);
      this.controls.update();
    }
    this.viewChanged(false);
  }

  /** Rotates the camera about the target (radians), as a drag would (benchmarks, keyboard). */
  rotateBy(azimuth: number, elevation = 0): void {
    if (!this.controls) return;
    const off = this.camera.position.clone().sub(this.controls.target);
    const s = new THREE.Spherical().setFromVector3(new THREE.Vector3(off.x, off.z, -off.y));
    s.theta += azimuth;
    s.phi = Math.min(Math.PI - 0.05, Math.max(0.05, s.phi + elevation));
    const v = new THREE.Vector3().setFromSpherical(s);
    this.camera.position.set(this.controls.target.x + v.x, this.controls.target.y - v.z, this.controls.target.z + v.y);
    this.camera.lookAt(this.controls.target);
    this.interacting = true;
    this.viewChanged();
    this.interacting = false;
  }

  setInstrument(inst: InstrumentInImage | null, state: TrackingState): void {
    this.instrument = inst;
    this.tracking = state;
    this.placeMarker();
  }

  setFiducials(points: Vec3[]): void {
    this.fiducials = points;
    this.queueOverlay();
  }

  private viewChanged(interactive = true): void {
    this.viewVersion++;
    if (interactive) this.lastChangeMs = performance.now();
    else this.lastChangeMs = 0;
    this.kick(); // decorations follow when the new image is shown (they use its camera)
  }

  private kick(): void {
    if ((this.renderer || this.cpu) && this.volume && !this.preparing) anatomyScheduler.request(this);
  }

  private isInteracting(now: number): boolean {
    return this.interacting || now - this.lastChangeMs < SETTLE_MS;
  }

  private target(scale: number): { rt: THREE.WebGLRenderTarget; w: number; h: number } {
    const w = Math.max(1, Math.round(this.canvas.width * scale));
    const h = Math.max(1, Math.round(this.canvas.height * scale));
    const key = w * 100000 + h;
    let rt = this.targets.get(key);
    if (!rt) {
      rt = new THREE.WebGLRenderTarget(w, h, { depthBuffer: false, stencilBuffer: false, minFilter: THREE.LinearFilter, magFilter: THREE.LinearFilter, generateMipmaps: false });
      this.targets.set(key, rt);
    }
    return { rt, w, h };
  }

  private passSize(scale: number): { w: number; h: number } {
    return { w: Math.max(1, Math.round(this.canvas.width * scale)), h: Math.max(1, Math.round(this.canvas.height * scale)) };
  }

  private startPass(plan: PassPlan, interactive: boolean): void {
    const { w, h } = this.cpu ? this.passSize(plan.scale) : this.target(plan.scale);
    const cam = this.camera.clone();
    cam.updateMatrixWorld();
    this.pass = { ...plan, w, h, row: 0, camera: cam, interactive, startedMs: performance.now() };
    this.passVersion = this.viewVersion;
  }

  /** Feeds finished GPU timer queries into the budget. */
  private pollQueries(): void {
    const gl = this.gl;
    if (!gl || !this.timerExt) return;
    const disjoint = gl.getParameter(this.timerExt.GPU_DISJOINT_EXT) as boolean;
    while (this.queries.length) {
      const { q, units } = this.queries[0];
      if (!gl.getQueryParameter(q, gl.QUERY_RESULT_AVAILABLE)) break;
      const ns = gl.getQueryParameter(q, gl.QUERY_RESULT) as number;
      if (!disjoint) this.budget.observe(units, ns / 1e6);
      gl.deleteQuery(q);
      this.queries.shift();
    }
  }

  /**
   * True when at most one frame's strip is still outstanding. (A fence's status reaches the page
   * a frame or more after the GPU passes it, so waiting for every fence would leave the GPU idle
   * every other frame; two in flight keep it fed while never queueing more.)
   */
  private gpuIdle(): boolean {
    const gl = this.gl;
    if (!gl) return true;
    while (this.fences.length && gl.clientWaitSync(this.fences[0], 0, 0) !== gl.TIMEOUT_EXPIRED) gl.deleteSync(this.fences.shift()!);
    return this.fences.length <= 1;
  }

  /** Renders rows [row, row+rows) of the current pass into its target. */
  private renderStrip(rows: number, timed = true): number {
    const p = this.pass!;
    const renderer = this.renderer!;
    const { rt } = this.target(p.scale);
    const u = this.mesh!.material.uniforms;
    u.uSteps.value = p.steps;
    const inv = new THREE.Matrix4().copy(this.mesh!.matrixWorld).invert();
    u.uCameraTex.value.copy(p.camera.position).applyMatrix4(inv);
    const y0 = p.row;
    const n = Math.min(rows, p.h - y0);
    rt.viewport.set(0, 0, p.w, p.h);
    rt.scissor.set(0, p.h - y0 - n, p.w, n); // rows counted from the top
    rt.scissorTest = true;
    renderer.setRenderTarget(rt);
    renderer.setClearColor(BACKGROUND, 1);
    const gl = this.gl!;
    const q = this.timerExt && timed ? gl.createQuery() : null;
    if (q) gl.beginQuery(this.timerExt!.TIME_ELAPSED_EXT, q);
    renderer.clear(true, false, false);
    renderer.render(this.scene, p.camera);
    if (q) {
      gl.endQuery(this.timerExt!.TIME_ELAPSED_EXT);
      this.queries.push({ q, units: n * p.w * p.steps });
    }
    rt.scissorTest = false;
    renderer.setRenderTarget(null);
    p.row += n;
    return n * p.w * p.steps;
  }

  private present(p: PassState = this.pass!, image: ImageData | null = this.cpuImage): void {
    if (this.cpu) {
      this.cpuOffscreen.width = p.w;
      this.cpuOffscreen.height = p.h;
      this.cpuOffscreen.getContext('2d')!.putImageData(image!, 0, 0);
      const g = this.canvas.getContext('2d', { alpha: false })!;
      g.imageSmoothingEnabled = true;
      g.drawImage(this.cpuOffscreen, 0, 0, this.canvas.width, this.canvas.height);
    } else {
      const renderer = this.renderer!;
      const { rt } = this.target(p.scale);
      this.blitMaterial.map = rt.texture;
      this.blitMaterial.needsUpdate = true;
      renderer.setRenderTarget(null);
      renderer.setViewport(0, 0, this.canvas.width, this.canvas.height);
      renderer.render(this.blitScene, this.blitCamera);
    }
    this.shownCamera = p.camera;
    this.lastPresentMs = performance.now();
    const full = p.scale === 1 && !p.interactive && this.queue.length === 0 && p.steps >= Math.min(512, Math.ceil(this.diagVoxels));
    this.stats.images++;
    if (p.interactive) this.stats.interactiveImages++;
    this.stats.shownScale = p.scale;
    this.stats.shownSteps = p.steps;
    this.stats.fullQuality = full;
    this.stats.lastImageMs = performance.now() - p.startedMs;
    if (full && this.stillSinceMs) this.stats.lastFullQualityMs = performance.now() - this.stillSinceMs;
    this.host.dataset.quality = full ? 'full' : p.interactive ? 'interactive' : 'refining';
    this.host.dataset.images = String(this.stats.images);
    this.drawOverlay();
    this.onImage?.(full);
  }

  /**
   * Blocking measurement of the ray cast's cost on this machine (once per volume): a warm-up row
   * (shader compile, texture upload), then two strips of different heights through the middle of
   * the image, each waited for by reading a pixel: fixed cost per strip and cost per sample.
   */
  private calibrate(): void {
    const renderer = this.renderer!;
    const plan: PassPlan = { scale: 0.25, steps: Math.max(48, Math.ceil(this.diagVoxels / 2.5)) };
    this.startPass(plan, true);
    const p = this.pass!;
    const px = new Uint8Array(4);
    const { rt } = this.target(plan.scale);
    const strip = (rows: number) => {
      p.row = Math.max(0, Math.floor(p.h / 2 - rows / 2));
      const t0 = performance.now();
      const units = this.renderStrip(rows, false);
      renderer.readRenderTargetPixels(rt, 0, 0, 1, 1, px);
      return { units, ms: performance.now() - t0 };
    };
    strip(1);
    const a = strip(2);
    const b = strip(Math.max(4, Math.floor(p.h / 5)));
    this.budget.calibrate(a.units, a.ms, b.units, b.ms);
    this.stats.calibratedMs = b.ms;
    this.pass = null;
    this.calibrated = true;
  }

  /** Units per frame the calibration promises, before any frame has run. */
  private opts0Units(): number {
    return Math.max(1, (this.budget.opts.targetMs - this.budget.fixedMs) / this.budget.msPerUnit);
  }

  /** Chooses the next pass, or returns false when the shown image is final. */
  private nextPass(now: number, interacting: boolean): boolean {
    const perImage = this.cpu ? (this.cpuUnitsPerMs || 2e4) * this.pacing.imageMs : (this.budget.throughput || this.opts0Units()) * FRAMES_PER_INTERACTIVE_IMAGE;
    const plans = planPasses(this.canvas.width, this.canvas.height, this.diagVoxels, perImage);
    this.stats.interactive = plans.interactive;
    const better = (r: PassPlan, than: PassPlan) => r.scale > than.scale || r.steps > than.steps;
    if (this.passVersion !== this.viewVersion) {
      // The view changed: a fast image first, with the camera as it is now.
      this.startPass(plans.interactive, true);
      this.queue = [];
      this.stillSinceMs = 0;
      return true;
    }
    if (interacting) return true; // wait until the view settles, then refine
    if (!this.stillSinceMs) {
      this.stillSinceMs = this.lastChangeMs || now;
      this.queue = this.stats.fullQuality ? [] : plans.refine.filter((r) => better(r, { scale: this.stats.shownScale, steps: this.stats.shownSteps }));
    }
    const next = this.queue.shift();
    if (!next) return false;
    this.startPass(next, false);
    return true;
  }

  /** One display frame of 3D work (anatomyScheduler). */
  run(_deadline: number, frame: FrameInfo): boolean {
    if (this.cpu) return this.runCpu();
    if (!this.renderer || !this.mesh || !this.volume) return false;
    const now = performance.now();
    if (!this.calibrated) {
      this.calibrate();
      this.issuedLastFrame = true;
      return true;
    }
    const interacting = this.isInteracting(now);
    if (this.pendingPresent) {
      if (this.pass!.interactive && now - this.lastPresentMs < this.pacing.presentMs) return true;
      this.present();
      this.pass = null;
      this.pendingPresent = false;
      this.issuedLastFrame = false;
      return true;
    }
    // A refinement pass for a view that has since changed is stale: drop it (an interactive one finishes).
    if (this.pass && this.passVersion !== this.viewVersion && !this.pass.interactive) this.pass = null;
    if (!this.pass) {
      if (!this.nextPass(now, interacting)) {
        this.issuedLastFrame = false;
        return false;
      }
      if (!this.pass) {
        this.issuedLastFrame = false;
        return true;
      }
    }
    this.pollQueries();
    const idle = this.gpuIdle();
    const units = this.budget.unitsForFrame(idle, frame.intervalMs, this.issuedLastFrame);
    this.stats.msPerUnit = this.budget.msPerUnit;
    this.stats.fixedMs = this.budget.fixedMs;
    this.stats.penalty = this.budget.penalty;
    this.stats.busyFrames = this.budget.busyFrames;
    this.stats.lateFrames = this.budget.lateFrames;
    this.issuedLastFrame = false;
    if (units === 0) return true;
    const p: PassState = this.pass!;
    const issued = this.renderStrip(stripRows(units, p.w, p.steps));
    this.stats.maxUnitsPerFrame = Math.max(this.stats.maxUnitsPerFrame, issued);
    this.issuedLastFrame = true;
    if (p.row >= p.h) this.pendingPresent = true; // shown from the next frame on (its GPU work is done by then)
    if (this.gl) {
      const f = this.gl.fenceSync(this.gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
      if (f) this.fences.push(f);
      this.gl.flush();
    }
    return true;
  }

  /** CPU backend: one display frame: take a finished strip, show a finished pass, send the next strip. */
  private runCpu(): boolean {
    if (!this.volume || !this.cpu) return false;
    const now = performance.now();
    const interacting = this.isInteracting(now);
    const r = this.cpuResult;
    if (r && this.pass && r.id === this.cpuJobId) {
      this.cpuResult = null;
      const p = this.pass;
      this.cpuImage!.data.set(r.rgba, r.rowFrom * p.w * 4);
      p.row = r.rowTo;
      const units = (r.rowTo - r.rowFrom) * p.w * p.steps;
      if (r.ms > 1) this.cpuUnitsPerMs = this.cpuUnitsPerMs ? this.cpuUnitsPerMs * 0.7 + (units / r.ms) * 0.3 : units / r.ms;
      this.stats.msPerUnit = this.cpuUnitsPerMs ? 1 / this.cpuUnitsPerMs : 0;
      if (p.row >= p.h) {
        // Finished: it waits to be shown while the next image (if the view moved on) is made.
        this.ready = { pass: p, image: this.cpuImage! };
        this.cpuImage = null;
        this.pass = null;
      }
    }
    if (this.ready && (!this.ready.pass.interactive || now - this.lastPresentMs >= this.pacing.presentMs)) {
      this.present(this.ready.pass, this.ready.image);
      this.ready = null;
    }
    if (this.cpu.busy) return true;
    if (now - this.cpuStripEndMs < this.cpuPauseMs) return true; // duty cycle
    if (this.pass && this.passVersion !== this.viewVersion && !this.pass.interactive) this.pass = null;
    if (!this.pass && this.ready && this.passVersion === this.viewVersion) return true; // nothing new to make yet
    if (!this.pass) {
      if (!this.nextPass(now, interacting)) return false;
      if (!this.pass) return true;
      const np = this.pass as PassState;
      if (!this.cpuImage || this.cpuImage.width !== np.w || this.cpuImage.height !== np.h) this.cpuImage = new ImageData(np.w, np.h);
    }
    const p = this.pass as PassState;
    const perMs = this.cpuUnitsPerMs || 2e4;
    const rows = Math.max(1, Math.min(p.h - p.row, Math.floor((perMs * CPU_STRIP_MS) / (p.w * p.steps))));
    const cam = p.camera;
    const invViewProj = new THREE.Matrix4().multiplyMatrices(cam.matrixWorld, cam.projectionMatrixInverse);
    const job = { id: ++this.cpuJobId, width: p.w, height: p.h, rowFrom: p.row, rowTo: p.row + rows, steps: p.steps, invViewProj: invViewProj.elements.slice(), eye: [cam.position.x, cam.position.y, cam.position.z] as [number, number, number], background: [BACKGROUND.r, BACKGROUND.g, BACKGROUND.b] as [number, number, number] };
    void this.cpu.run(job).then((res) => {
      this.cpuResult = res;
      this.cpuStripEndMs = performance.now();
      this.cpuPauseMs = Math.min(CPU_STRIP_MS, res.ms);
      this.kick();
    });
    return true;
  }

  private queueOverlay(): void {
    if (this.overlayQueued) return;
    this.overlayQueued = true;
    requestAnimationFrame(() => {
      this.overlayQueued = false;
      this.drawOverlay();
    });
  }

  /** Patient point -> overlay pixel with the shown image's camera (null behind the camera). */
  private project(p: Vec3, cam: THREE.PerspectiveCamera): [number, number] | null {
    const v = new THREE.Vector3(p[0], p[1], p[2]).project(cam);
    if (v.z > 1 || v.z < -1) return null;
    return [((v.x + 1) / 2) * this.canvas.width, ((1 - v.y) / 2) * this.canvas.height];
  }

  /** Labels, cube and fiducials for the camera of the image shown. */
  private drawOverlay(): void {
    const cam = this.shownCamera ?? this.camera;
    cam.updateMatrixWorld();
    const e = cam.matrixWorld.elements;
    const right: Vec3 = [e[0], e[1], e[2]];
    const up: Vec3 = [e[4], e[5], e[6]];
    const toViewer: Vec3 = [e[8], e[9], e[10]];
    const neg = (d: Vec3): Vec3 => [-d[0], -d[1], -d[2]];
    const labels = [orientationLabel(neg(right)), orientationLabel(right), orientationLabel(up), orientationLabel(neg(up))];
    labels.forEach((l, i) => {
      if (this.labelEls[i].textContent !== l) this.labelEls[i].textContent = l;
    });
    this.host.dataset.labels = labels.join(',');
    const dpr = window.devicePixelRatio || 1;
    const size = Math.round(96 * dpr);
    if (this.cube.width !== size) this.cube.width = this.cube.height = size;
    const g = this.cube.getContext('2d');
    if (g) {
      g.clearRect(0, 0, size, size);
      drawOrientationCube(g, right, up, toViewer, size / 2, size / 2, size * 0.3);
    }
    const dprInv = 1 / dpr;
    while (this.fiducialEls.length < this.fiducials.length) {
      const d = document.createElement('div');
      d.className = 'vol-fiducial';
      this.host.append(d);
      this.fiducialEls.push(d);
    }
    this.fiducialEls.forEach((d, i) => {
      const q = i < this.fiducials.length ? this.project(this.fiducials[i], cam) : null;
      d.style.display = q ? 'block' : 'none';
      if (q) {
        d.textContent = String(i + 1);
        d.style.transform = `translate(${(q[0] * dprInv - 7).toFixed(1)}px, ${(q[1] * dprInv - 7).toFixed(1)}px)`;
      }
    });
    this.placeMarker();
  }

  /** Moves the instrument marker (DOM, CSS pixels) with the camera of the image shown. */
  private placeMarker(): void {
    const inst = this.instrument;
    const cam = this.shownCamera;
    const dpr = window.devicePixelRatio || 1;
    const at = (d: number) => (cam ? this.project([inst!.tip[0] + inst!.axis[0] * d, inst!.tip[1] + inst!.axis[1] * d, inst!.tip[2] + inst!.axis[2] * d], cam) : null);
    const tip = inst ? at(0) : null;
    const handle = inst ? at(120) : null;
    const ahead = inst ? at(-60) : null;
    if (!tip || !handle || !ahead) {
      this.marker.update(null, this.tracking);
      delete this.host.dataset.tip;
      return;
    }
    this.marker.update({ tip: [tip[0] / dpr, tip[1] / dpr], handle: [handle[0] / dpr, handle[1] / dpr], ahead: [ahead[0] / dpr, ahead[1] / dpr], ringPx: 0 }, this.tracking);
    this.host.dataset.tip = `${Math.round(tip[0] / dpr)},${Math.round(tip[1] / dpr)}`;
  }

  /**
   * Benchmark only: renders one whole image of width x height with `steps` (default: full quality)
   * in a single draw and waits for it (blocks the page, as an unbudgeted renderer would). Returns ms.
   */
  async measureFullFrame(width: number, height: number, steps?: number): Promise<{ ms: number; steps: number; backend: RenderBackend } | null> {
    const n = steps ?? Math.max(64, Math.min(512, Math.ceil(this.diagVoxels)));
    if (this.cpu) {
      while (this.cpu.busy) await new Promise((r) => setTimeout(r, 10));
      const cam = this.camera.clone();
      cam.aspect = width / height;
      cam.updateProjectionMatrix();
      cam.updateMatrixWorld();
      const inv = new THREE.Matrix4().multiplyMatrices(cam.matrixWorld, cam.projectionMatrixInverse);
      const r = await this.cpu.run({ id: -1, width, height, rowFrom: 0, rowTo: height, steps: n, invViewProj: inv.elements.slice(), eye: [cam.position.x, cam.position.y, cam.position.z], background: [0, 0, 0] });
      return { ms: r.ms, steps: n, backend: 'cpu' };
    }
    if (!this.renderer || !this.mesh) return null;
    const rt = new THREE.WebGLRenderTarget(width, height, { depthBuffer: false, stencilBuffer: false });
    const cam = this.camera.clone();
    cam.aspect = width / height;
    cam.updateProjectionMatrix();
    cam.updateMatrixWorld();
    const u = this.mesh.material.uniforms;
    u.uSteps.value = n;
    u.uCameraTex.value.copy(cam.position).applyMatrix4(new THREE.Matrix4().copy(this.mesh.matrixWorld).invert());
    const px = new Uint8Array(4);
    const r = this.renderer;
    r.setRenderTarget(rt);
    r.clear(true, false, false);
    r.render(this.scene, cam);
    r.readRenderTargetPixels(rt, 0, 0, 1, 1, px);
    const t0 = performance.now();
    r.setRenderTarget(rt);
    r.clear(true, false, false);
    r.render(this.scene, cam);
    r.readRenderTargetPixels(rt, 0, 0, 1, 1, px);
    const ms = performance.now() - t0;
    r.setRenderTarget(null);
    rt.dispose();
    return { ms, steps: n, backend: 'webgl' };
  }

  dispose(): void {
    this.ro.disconnect();
    this.controls?.dispose();
    this.texture?.dispose();
    this.tfTexture?.dispose();
    for (const t of this.targets.values()) t.dispose();
    this.mesh?.geometry.dispose();
    this.mesh?.material.dispose();
    this.blitMaterial.dispose();
    this.renderer?.dispose();
    this.cpu?.dispose();
    this.host.replaceChildren();
  }
}
