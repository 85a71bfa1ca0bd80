/**
 * The 3D view's decorations: the orientation labels, the small orientation cube (its own small
 * canvas), fiducials and the instrument (marker-layer.ts), as DOM elements on top of the image,
 * placed with the camera of the image shown (so they stay registered with it); no full-size
 * transparent layer covers the image.
 */
import * as THREE from 'three';
import type { Vec3 } from '../../../../common/geometry';
import { drawOrientationCube, orientationLabel } from '../orientation';
import type { InstrumentInImage, TrackingState } from '../navigation';
import { MarkerLayer } from '../marker-layer';

export class VolumeOverlay {
  /** The camera of the image shown (null before the first one). */
  shownCamera: THREE.PerspectiveCamera | null = null;
  private readonly cube: HTMLCanvasElement;
  private readonly labelEls: HTMLDivElement[];
  private readonly fiducialEls: HTMLDivElement[] = [];
  private readonly marker: MarkerLayer;
  private instrument: InstrumentInImage | null = null;
  private tracking: TrackingState = 'none';
  private fiducials: Vec3[] = [];
  private queued = false;

  /**
   * @param host the view's element (gets `data-labels` and `data-tip` for tests)
   * @param canvas the image's canvas (its pixel size maps projected points)
   * @param liveCamera used for the labels and the cube until an image is shown
   */
  constructor(
    private readonly host: HTMLElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly liveCamera: THREE.PerspectiveCamera,
  ) {
    this.cube = document.createElement('canvas');
    this.cube.className = 'vol-cube';
    this.labelEls = (['left', 'right', 'top', 'bottom'] as const).map((pos) => {
      const d = document.createElement('div');
      d.className = `orient-label orient-${pos}`;
      d.dataset.testid = `volume-label-${pos}`;
      return d;
    });
    host.append(this.cube, ...this.labelEls);
    this.marker = new MarkerLayer(host);
  }

  setInstrument(inst: InstrumentInImage | null, state: TrackingState): void {
    this.instrument = inst;
    this.tracking = state;
    this.placeMarker();
  }

  setFiducials(points: Vec3[]): void {
    this.fiducials = points;
    this.queue();
  }

  /** Redraws at the next animation frame (once however often it is asked). */
  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  /** Patient point -> overlay pixel with the shown image's camera (null behind the camera). */
  private project(p: Vec3, cam: THREE.PerspectiveCamera): [number, number] | null {
    const v = new THREE.Vector3(p[0], p[1], p[2]).project(cam);
    if (v.z > 1 || v.z < -1) return null;
    return [((v.x + 1) / 2) * this.canvas.width, ((1 - v.y) / 2) * this.canvas.height];
  }

  /** Labels, cube and fiducials for the camera of the image shown. */
  draw(): void {
    const cam = this.shownCamera ?? this.liveCamera;
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
    const along = (d: number): Vec3 => [inst!.tip[0] + inst!.axis[0] * d, inst!.tip[1] + inst!.axis[1] * d, inst!.tip[2] + inst!.axis[2] * d];
    const at = (d: number) => (cam ? this.project(along(d), cam) : null);
    const tip = inst ? at(0) : null;
    const handle = inst ? at(120) : null;
    const ahead = inst ? at(-60) : null;
    if (!tip || !handle || !ahead) {
      this.marker.update(null, this.tracking);
      delete this.host.dataset.tip;
      return;
    }
    const css = (q: [number, number]): [number, number] => [q[0] / dpr, q[1] / dpr];
    this.marker.update({ tip: css(tip), handle: css(handle), ahead: css(ahead), ringPx: 0 }, this.tracking);
    this.host.dataset.tip = `${Math.round(tip[0] / dpr)},${Math.round(tip[1] / dpr)}`;
  }
}
