/**
 * The tracked instrument in image space, and whether tracking can be trusted. Pure.
 *
 * Tool frame (native-bridge/common/sim/tracker-path.ts): origin at the tip, +z from the tip
 * back along the shaft toward the handle. Poses are tool -> tracker (column-major, mm); the
 * registration maps tracker -> image (patient LPS, mm).
 */
import { multiply4, normalize, transformDirection, transformPoint, type Vec3 } from '../../../common/geometry';

/** The navigated instrument's pose channel (live and review). */
export const INSTRUMENT_MDC = 'MDC_NAV_POSE_INSTRUMENT';

/** Below this quality the display warns; below LOST_QUALITY it does not draw the instrument as valid. */
export const LOW_QUALITY = 0.6;
export const LOST_QUALITY = 0.05;
/** No pose for this long (display clock, ms) means the tracker went stale (60 Hz tracker: ~18 missed poses). */
export const STALE_MS = 300;

export type TrackingState = 'none' | 'unregistered' | 'ok' | 'low' | 'lost' | 'stale';

export interface InstrumentPose {
  /** tool -> tracker, column-major. */
  matrix: Float32Array;
  quality: number;
  status: number;
  tHubMs: number;
  /** performance.now() when the display received it. */
  receivedMs: number;
}

export interface InstrumentInImage {
  /** Tip, patient LPS mm. */
  tip: Vec3;
  /** Unit vector from the tip toward the handle, patient LPS. */
  axis: Vec3;
}

/** Tip in tracker coordinates (mm). */
export function trackerTip(m: ArrayLike<number>): Vec3 {
  return [m[12], m[13], m[14]];
}

export function instrumentInImage(pose: ArrayLike<number>, trackerToImage: ArrayLike<number>): InstrumentInImage {
  const toolToImage = multiply4(trackerToImage, pose);
  return { tip: transformPoint(toolToImage, [0, 0, 0]), axis: normalize(transformDirection(toolToImage, [0, 0, 1])) };
}

/**
 * What the display should say about tracking now.
 * deviceOnline: the hub reports the tracker device online (heartbeats arriving).
 */
export function trackingState(pose: InstrumentPose | null, nowMs: number, deviceOnline: boolean, registered: boolean): TrackingState {
  if (!pose) return 'none';
  if (!deviceOnline || nowMs - pose.receivedMs > STALE_MS) return 'stale';
  if (pose.quality < LOST_QUALITY) return 'lost';
  if (!registered) return 'unregistered';
  if (pose.quality < LOW_QUALITY || pose.status !== 0) return 'low';
  return 'ok';
}

export const TRACKING_TEXT: Record<TrackingState, string> = {
  none: 'No tracker',
  unregistered: 'Tracking — not registered',
  ok: 'Tracking OK',
  low: 'LOW TRACKING QUALITY',
  lost: 'TRACKING LOST',
  stale: 'TRACKER STALE — position not current',
};

/**
 * Mean tip position (tracker space) over recent poses, for touching a fiducial with the pointer.
 * Refuses (returns an error string) when there are too few poses, quality is low, or the tip moved.
 */
export function captureTip(recent: readonly InstrumentPose[], nowMs: number, windowMs = 500): { tip: Vec3; spreadMm: number } | { error: string } {
  const use = recent.filter((p) => nowMs - p.receivedMs <= windowMs);
  if (use.length < 5) return { error: 'no current pointer poses: is the tracker on and the pointer visible?' };
  if (use.some((p) => p.quality < LOW_QUALITY)) return { error: 'tracking quality too low while capturing: keep the pointer visible' };
  const tip: Vec3 = [0, 0, 0];
  for (const p of use) for (let a = 0; a < 3; a++) tip[a] += p.matrix[12 + a] / use.length;
  let spread = 0;
  for (const p of use) spread = Math.max(spread, Math.hypot(p.matrix[12] - tip[0], p.matrix[13] - tip[1], p.matrix[14] - tip[2]));
  if (spread > 1.5) return { error: `pointer moved ${spread.toFixed(1)} mm while capturing: hold it still on the marker` };
  return { tip, spreadMm: spread };
}
