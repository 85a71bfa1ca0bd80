/**
 * The four views of one volume, as plain classes mounted into a component's elements: the 3D
 * view (volume/volume-view.ts) and the axial, coronal and sagittal slices (slice-view.ts), with
 * the linked crosshair, the window, the 3D preset, the fiducials and the instrument marker.
 * The live display's anatomy (controller.ts) and the review screen (review/review-anatomy.ts)
 * each own one; where the volume, the window and the instrument come from is theirs.
 */
import type { Volume } from '../../../common/volume';
import { volumeCentre, type SliceOrientation, type Vec3 } from '../../../common/geometry';
import { SliceView } from './slice-view';
import { VolumeView } from './volume/volume-view';
import { volumeOverrides } from './volume/bench-hooks';
import type { InstrumentInImage, TrackingState } from './navigation';

export type ViewName = 'volume' | SliceOrientation;

/** What the owner's store keeps for the views: the window [centre, width], the 3D preset, the maximised view. */
export interface ViewsState {
  window: [number, number];
  preset: string;
  maximised: ViewName | null;
}

/** The owner's store (the live anatomy's or the review's): the views read and change these fields there. */
export interface ViewsOwner {
  get(): ViewsState;
  set(patch: Partial<ViewsState>): void;
}

export class AnatomyViews {
  volume: Volume | null = null;
  volumeView: VolumeView | null = null;
  readonly slices = new Map<SliceOrientation, SliceView>();
  private crosshair: Vec3 = [0, 0, 0];
  private instrument: { inst: InstrumentInImage | null; state: TrackingState } = { inst: null, state: 'none' };
  private fiducials: Vec3[] = [];

  constructor(private readonly owner: ViewsOwner) {}

  /** Mounts the views into the component's elements; the answer unmounts them. */
  attach(volumeHost: HTMLElement, sliceHosts: Record<SliceOrientation, HTMLElement>): () => void {
    // A benchmark may leave the 3D view out (the page with and without it; bench-hooks.ts).
    if (volumeOverrides().view3d !== false) this.volumeView = new VolumeView(volumeHost);
    for (const o of ['axial', 'coronal', 'sagittal'] as const) {
      const v = new SliceView(o, {
        setCrosshair: (p) => this.setCrosshair(p),
        adjustWindow: (dc, dw) => {
          const [c, w] = this.owner.get().window;
          this.setWindow(c + dc, Math.max(1, w + dw));
        },
        toggleMaximise: (x) => this.toggleMaximise(x),
      });
      sliceHosts[o].append(v.root);
      this.slices.set(o, v);
    }
    if (this.volume) this.show(this.volume);
    return () => {
      this.volumeView?.dispose();
      this.volumeView = null;
      for (const v of this.slices.values()) v.dispose();
      this.slices.clear();
    };
  }

  /** Shows a volume in every view, the crosshair at its centre. */
  show(v: Volume): void {
    this.volume = v;
    this.crosshair = volumeCentre(v);
    this.volumeView?.setVolume(v);
    const { preset, window } = this.owner.get();
    this.volumeView?.setPreset(preset);
    const [c, w] = window;
    for (const s of this.slices.values()) {
      s.setWindow(c, w);
      s.setCrosshair(this.crosshair);
      s.setVolume(v);
    }
    this.setFiducials(this.fiducials);
    this.setInstrument(this.instrument.inst, this.instrument.state);
  }

  setCrosshair(p: Vec3): void {
    this.crosshair = p;
    for (const s of this.slices.values()) s.setCrosshair(p);
  }

  getCrosshair(): Vec3 {
    return [...this.crosshair];
  }

  /** Another window [centre, width] (kept in the owner's store) on every slice view. */
  setWindow(c: number, w: number): void {
    this.owner.set({ window: [c, w] });
    for (const s of this.slices.values()) s.setWindow(c, w);
  }

  /** Another 3D preset (kept in the owner's store). */
  setPreset(id: string): void {
    this.owner.set({ preset: id });
    this.volumeView?.setPreset(id);
  }

  /** The instrument in image space (patient LPS, mm), or null, drawn as `state` says. */
  setInstrument(inst: InstrumentInImage | null, state: TrackingState): void {
    this.instrument = { inst, state };
    this.volumeView?.setInstrument(inst, state);
    for (const s of this.slices.values()) s.setInstrument(inst, state);
  }

  /** A double-click on a view: it fills the grid, or the grid comes back (kept in the owner's store). */
  toggleMaximise(which: ViewName): void {
    this.owner.set({ maximised: this.owner.get().maximised === which ? null : which });
  }

  setFiducials(points: Vec3[]): void {
    this.fiducials = points;
    this.volumeView?.setFiducials(points);
    for (const s of this.slices.values()) s.setFiducials(points);
  }
}
