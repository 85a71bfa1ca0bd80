/**
 * The 3D view, as the anatomy controller uses it: a canvas with orbit controls and decorations,
 * rendered on demand by one of two backends behind one interface (backend.ts): the three.js
 * ray-casting shader on a GPU (webgl-backend.ts), or the same ray cast in a Web Worker on a
 * software renderer (cpu-backend.ts). What to render next (fast images while the user moves the
 * camera, refinement to full quality when still) is the progressive scheduler's (progressive.ts);
 * the labels, cube, fiducials and instrument are the overlay's (overlay.ts).
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Volume } from '../../../../common/volume';
import { volumeCentre, patientBounds, type Vec3 } from '../../../../common/geometry';
import { presetById, type VolumePreset } from '../transfer';
import { anatomyScheduler, type FrameInfo, type FrameTask } from '../scheduler';
import type { InstrumentInImage, TrackingState } from '../navigation';
import { chooseBackend, transferFor, type RenderBackend, type VolumeBackend } from './backend';
import { CpuBackend } from './cpu-backend';
import { WebglBackend } from './webgl-backend';
import { VolumeOverlay } from './overlay';
import { ProgressiveScheduler, type PassState, type VolumeViewStats } from './progressive';

export type { RenderBackend } from './backend';
export type { VolumeViewStats } from './progressive';

export class VolumeView implements FrameTask {
  readonly canvas: HTMLCanvasElement;
  readonly camera = new THREE.PerspectiveCamera(30, 1, 1, 5000);
  /** Which backend draws, and the WebGL renderer's name (what chose it). */
  readonly backend: RenderBackend;
  readonly rendererName: string;
  /** The backend itself (bench-frame.ts measures through it). */
  readonly impl: VolumeBackend;
  readonly passes: ProgressiveScheduler;
  private readonly controls: OrbitControls | null = null;
  private readonly overlay: VolumeOverlay;
  private readonly ro: ResizeObserver;
  private volume: Volume | null = null;
  /** The volume is being converted for the 3D view (over several frames). */
  private preparing = false;
  private preset: VolumePreset = presetById('ct-bone');
  /** Called after each image is shown (tests/benchmarks). */
  onImage: ((full: boolean) => void) | null = null;

  constructor(private readonly host: HTMLElement) {
    this.camera.up.set(0, 0, 1); // patient superior up (before the controls read it)
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'vol-canvas';
    this.canvas.dataset.testid = 'volume-canvas';
    host.append(this.canvas);
    this.overlay = new VolumeOverlay(host, this.canvas, this.camera);
    const choice = chooseBackend();
    this.backend = choice.backend;
    this.rendererName = choice.renderer;
    host.dataset.backend = this.backend;
    this.passes = new ProgressiveScheduler(
      this.canvas,
      this.camera,
      () => this.kick(),
      (p, full) => this.shown(p, full),
    );
    this.impl =
      this.backend === 'cpu'
        ? new CpuBackend(this.canvas, this.passes)
        : new WebglBackend(this.canvas, this.passes, () => (this.host.dataset.error = 'context-lost'));
    if (this.impl.available) this.controls = this.makeControls();
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(host);
    this.resize();
  }

  private makeControls(): OrbitControls {
    const c = new OrbitControls(this.camera, this.canvas);
    c.enableDamping = false;
    c.rotateSpeed = 0.8;
    c.zoomSpeed = 1.2;
    c.screenSpacePanning = true;
    c.addEventListener('start', () => {
      this.passes.interacting = true;
    });
    c.addEventListener('change', () => this.viewChanged());
    c.addEventListener('end', () => {
      this.passes.interactionEnded();
      this.kick();
    });
    return c;
  }

  get available(): boolean {
    return this.impl.available;
  }

  /** Why the view cannot draw (no WebGL2, context lost), or null. */
  get error(): string | null {
    return this.impl.error;
  }

  get stats(): VolumeViewStats {
    return this.passes.stats;
  }

  private resize(): void {
    const r = this.host.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    this.impl.resize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.viewChanged(false);
  }

  /** Puts the volume in the 3D view (averaged down to MAX_TEXTURE_VOXELS and converted over several frames). */
  setVolume(v: Volume): void {
    this.volume = v;
    this.preparing = true;
    this.passes.pass = null;
    this.impl.setVolume(v, (dims) => {
      this.preparing = false;
      this.passes.stats.textureDims = dims;
      this.passes.diagVoxels = Math.hypot(dims[0], dims[1], dims[2]);
      this.applyPreset();
      this.resetCamera();
    });
  }

  setPreset(id: string): void {
    this.preset = presetById(id);
    this.applyPreset();
    this.viewChanged(false);
  }

  private applyPreset(): void {
    if (this.volume) this.impl.setTransfer(transferFor(this.preset, this.volume));
  }

  /** Anterior view (facing the patient: patient left on screen right, superior up), whole volume in view. */
  resetCamera(): void {
    if (!this.volume) return;
    const c = volumeCentre(this.volume);
    const [lo, hi] = patientBounds(this.volume);
    const radius = 0.5 * Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
    const dist = (radius / Math.sin(((this.camera.fov / 2) * Math.PI) / 180)) * 0.8;
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
    this.passes.interacting = true;
    this.viewChanged();
    this.passes.interacting = false;
  }

  setInstrument(inst: InstrumentInImage | null, state: TrackingState): void {
    this.overlay.setInstrument(inst, state);
  }

  setFiducials(points: Vec3[]): void {
    this.overlay.setFiducials(points);
  }

  private viewChanged(interactive = true): void {
    this.passes.viewChanged(interactive);
    this.kick(); // decorations follow when the new image is shown (they use its camera)
  }

  private kick(): void {
    if (this.impl.available && this.volume && !this.preparing) anatomyScheduler.request(this);
  }

  /** A backend put pass `p` on the canvas: decorations follow its camera. */
  private shown(p: PassState, full: boolean): void {
    this.overlay.shownCamera = p.camera;
    this.host.dataset.quality = full ? 'full' : p.interactive ? 'interactive' : 'refining';
    this.host.dataset.images = String(this.passes.stats.images);
    this.overlay.draw();
    this.onImage?.(full);
  }

  /** One display frame of 3D work (anatomyScheduler). */
  run(_deadline: number, frame: FrameInfo): boolean {
    return this.volume ? this.impl.frame(frame) : false;
  }

  dispose(): void {
    this.ro.disconnect();
    this.controls?.dispose();
    this.impl.dispose();
    this.host.replaceChildren();
  }
}
