/**
 * Slice view zoom and pan as pure functions (slice-view.ts draws and reads every overlay through
 * the mapping computed here). Coordinates: u, v are the view's in-plane screen axes in mm
 * (common/geometry.ts viewAxes); canvas pixels are device pixels, origin top-left.
 */

/** Zoom limits (1 = the slice's field fitted to the view). */
export const SLICE_ZOOM_MIN = 0.5;
export const SLICE_ZOOM_MAX = 20;

/** Ctrl+wheel zoom factor for a wheel delta in pixels: 400 px (four notches of 100) doubles it. */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  return 2 ** (-px / 400);
}

/**
 * Canvas mapping of a slice view: mm per canvas pixel and the in-plane (u, v) of the canvas's
 * top-left corner, for a field of fieldW x fieldH mm whose top-left corner is at (left, top),
 * drawn into a W x H canvas at `zoom` (1 = fitted) with the view centred on `centre` (u, v mm;
 * null = the field's centre).
 */
export function sliceMapping(
  field: { left: number; top: number; w: number; h: number },
  W: number,
  H: number,
  zoom: number,
  centre: readonly [number, number] | null,
): { u0: number; v0: number; mmPerPx: number } {
  const mmPerPx = Math.max(field.w / W, field.h / H) / zoom;
  const [cu, cv] = centre ?? [field.left + field.w / 2, field.top + field.h / 2];
  return { u0: cu - (W / 2) * mmPerPx, v0: cv - (H / 2) * mmPerPx, mmPerPx };
}

/** The view centre (u, v mm) after zooming by `factor` about canvas pixel (x, y), keeping the point under it. */
export function zoomAbout(m: { u0: number; v0: number; mmPerPx: number }, W: number, H: number, x: number, y: number, factor: number): [number, number] {
  const pu = m.u0 + x * m.mmPerPx,
    pv = m.v0 + y * m.mmPerPx;
  const mm = m.mmPerPx / factor;
  return [pu + (W / 2 - x) * mm, pv + (H / 2 - y) * mm];
}

/** The view centre (u, v mm) after moving the image by (dx, dy) canvas pixels. */
export function panCentre(m: { u0: number; v0: number; mmPerPx: number }, W: number, H: number, dx: number, dy: number): [number, number] {
  return [m.u0 + (W / 2 - dx) * m.mmPerPx, m.v0 + (H / 2 - dy) * m.mmPerPx];
}
