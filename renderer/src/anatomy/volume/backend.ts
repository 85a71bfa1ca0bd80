/**
 * What a 3D backend does, and which one this machine gets. Two implement it: the three.js
 * ray-casting shader on WebGL2 (webgl-backend.ts) and the same ray cast in a Web Worker
 * (cpu-backend.ts). The facade (volume-view.ts) owns the camera, the controls and the overlay;
 * the progressive scheduler (progressive.ts) decides which pass (resolution, steps) comes next;
 * a backend renders that pass a piece per display frame and shows it when it is complete.
 */
import { Color } from 'three';
import type { Volume } from '../../../../common/volume';
import type { FrameInfo } from '../scheduler';
import { presetForRange, type TransferPoint, type VolumePreset } from '../transfer';
import type { Vec3i } from './downsample';
import { volumeOverrides } from './bench-hooks';

export type RenderBackend = 'webgl' | 'cpu';

/** The 3D view's background (linear RGB), behind the volume and outside it. */
export const BACKGROUND = new Color(0.02, 0.027, 0.04);

/** The transfer function or window the backends draw with, resolved for one volume. */
export type TransferSpec =
  | { mode: 'mip'; /** [centre, width] in real units mapped to black..white. */ window: [number, number] }
  | { mode: 'composite'; points: readonly TransferPoint[]; /** Table range, real units. */ lo: number; hi: number; shade: boolean };

/** A preset made concrete for volume `v` (relative MR points made absolute; MIP window for non-HU data). */
export function transferFor(preset: VolumePreset, v: Volume): TransferSpec {
  const p = presetForRange(preset, v.valueRange);
  if (p.mode === 'mip') {
    const window = v.unit === 'HU' ? p.window! : ([(v.valueRange[0] + v.valueRange[1]) / 2, v.valueRange[1] - v.valueRange[0]] as [number, number]);
    return { mode: 'mip', window };
  }
  return { mode: 'composite', points: p.points, lo: p.points[0].v, hi: p.points[p.points.length - 1].v, shade: p.shade };
}

export interface VolumeBackend {
  readonly kind: RenderBackend;
  /** False when the backend could not start (WebGL2 missing); the view then stays empty. */
  readonly available: boolean;
  /** Why the view cannot draw (no WebGL2, context lost), or null. */
  readonly error: string | null;
  /** The drawing surface is now w x h device pixels. */
  resize(w: number, h: number): void;
  /**
   * Converts `v` for this backend (averaged down to MAX_TEXTURE_VOXELS, over several frames) and
   * calls `ready` with the grid's dimensions once it can render it. A later call supersedes an
   * unfinished one (its `ready` is never called).
   */
  setVolume(v: Volume, ready: (dims: Vec3i) => void): void;
  setTransfer(t: TransferSpec): void;
  /**
   * One display frame of work on the scheduler's current pass (a strip of rows at the pass's
   * resolution and steps); shows the pass once complete. True while there is more to do.
   */
  frame(info: FrameInfo): boolean;
  /** Frees every GPU object, worker and texture it holds. */
  dispose(): void;
}

/**
 * WebGL (three.js ray-casting shader) on a GPU; the CPU worker (cpu-raycaster.ts) on a software
 * renderer, where WebGL work runs on the thread that composites every frame. A benchmark may
 * force one (bench-hooks.ts).
 */
export function chooseBackend(): { backend: RenderBackend; renderer: string } {
  const forced = volumeOverrides().backend;
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
