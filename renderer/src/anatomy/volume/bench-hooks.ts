/**
 * TEST AND BENCHMARK SEAM of the 3D view: the only place production code reads an override.
 *
 * Nothing in the product sets these. A benchmark or an end-to-end test installs them before the
 * page's scripts run, with Playwright's `page.addInitScript(overridesScript({...}))`
 * (bench/view.ts, e2e/anatomy.test.ts); without them the view behaves as shipped. (They were
 * `#...&view3d=off`, `&render3d=` and `&pace3d=` switches in the display URL before.)
 *
 * Pure: no DOM access at import time, so Node code (the bench, the tests) imports it to build
 * the init script.
 */
import type { RenderBackend } from './backend';

export interface VolumeOverrides {
  /** false: the 3D view is left out (the bench compares the page with and without it). */
  view3d?: boolean;
  /** Forces a backend instead of the GPU policy (backend.ts chooseBackend). */
  backend?: RenderBackend;
  /** Interactive pacing instead of the default (progressive.ts interactivePacing). */
  pacing?: { presentMs: number; imageMs: number };
}

const GLOBAL = '__orhubVolumeOverrides';

/** Why `o` is not a valid set of overrides, or null. */
function invalid(o: unknown): string | null {
  if (typeof o !== 'object' || o === null) return 'not an object';
  const { view3d, backend, pacing } = o as Record<string, unknown>;
  if (view3d !== undefined && typeof view3d !== 'boolean') return 'view3d must be a boolean';
  if (backend !== undefined && backend !== 'cpu' && backend !== 'webgl') return "backend must be 'cpu' or 'webgl'";
  if (pacing !== undefined) {
    const p = pacing as Record<string, unknown> | null;
    const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (typeof p !== 'object' || p === null || !ok(p.presentMs) || !ok(p.imageMs)) return 'pacing must be { presentMs, imageMs } in ms (numbers >= 0)';
  }
  return null;
}

/** The overrides installed for this page ({} in production). Invalid ones are ignored with a console warning. */
export function volumeOverrides(): VolumeOverrides {
  const o = (globalThis as Record<string, unknown>)[GLOBAL];
  if (o === undefined) return {};
  const why = invalid(o);
  if (why) {
    console.warn(`${GLOBAL} ignored: ${why}`);
    return {};
  }
  return o as VolumeOverrides;
}

/** A script for `page.addInitScript` that installs `o` before the display's bundle runs. Throws on invalid overrides. */
export function overridesScript(o: VolumeOverrides): string {
  const why = invalid(o);
  if (why) throw new Error(`overridesScript: ${why}`);
  return `globalThis.${GLOBAL} = ${JSON.stringify(o)};`;
}
