/**
 * BENCHMARK ONLY (bench/view.ts, through the `window.__orhubAnatomy` test hooks): the cost of one
 * unbudgeted whole 3D image, what a plain renderer would pay per frame. Nothing in the product
 * calls it; it blocks the page (WebGL) or the worker while it runs.
 */
import * as THREE from 'three';
import type { RenderBackend } from './backend';
import { CpuBackend, rayJob } from './cpu-backend';
import { WebglBackend } from './webgl-backend';
import type { VolumeView } from './volume-view';

export interface FullFrame {
  ms: number;
  steps: number;
  backend: RenderBackend;
}

/**
 * Renders one whole image of width x height with `steps` (default: full quality) in a single
 * draw or worker job, and waits for it. Returns ms (WebGL: the second of two draws, the first
 * warms up; CPU: the worker's own time), or null when the view has nothing to draw with.
 */
export async function measureFullFrame(view: VolumeView, width: number, height: number, steps?: number): Promise<FullFrame | null> {
  const n = steps ?? Math.max(64, Math.min(512, Math.ceil(view.passes.diagVoxels)));
  const cam = view.camera.clone();
  cam.aspect = width / height;
  cam.updateProjectionMatrix();
  cam.updateMatrixWorld();
  const b = view.impl;
  if (b instanceof CpuBackend) {
    while (b.raycaster.busy) await new Promise((r) => setTimeout(r, 10));
    const r = await b.raycaster.run(rayJob(cam, { id: -1, width, height, rowFrom: 0, rowTo: height, steps: n, background: [0, 0, 0] }));
    return { ms: r.ms, steps: n, backend: 'cpu' };
  }
  if (!(b instanceof WebglBackend) || !b.renderer || !b.mesh) return null;
  const rt = new THREE.WebGLRenderTarget(width, height, { depthBuffer: false, stencilBuffer: false });
  b.aim(cam, n);
  const px = new Uint8Array(4);
  const r = b.renderer;
  const draw = () => {
    r.setRenderTarget(rt);
    r.clear(true, false, false);
    r.render(b.scene, cam);
    r.readRenderTargetPixels(rt, 0, 0, 1, 1, px);
  };
  draw();
  const t0 = performance.now();
  draw();
  const ms = performance.now() - t0;
  r.setRenderTarget(null);
  rt.dispose();
  return { ms, steps: n, backend: 'webgl' };
}
