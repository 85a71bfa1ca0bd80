/**
 * Path of the simulated navigation pointer. Pure.
 *
 * Tool frame convention (also for real trackers mapped onto OR Hub): the tool origin is the
 * instrument tip; the tool's +z axis points from the tip back along the shaft to the handle.
 * Poses are tool -> tracker, column-major 4x4, millimetres.
 *
 * The simulated tracker sits in a fixed pose relative to the demo phantom: tracker coordinates
 * map to the demo CT's patient coordinates (LPS) by SIM_TRACKER_TO_PATIENT, so a registration
 * done with the simulated pointer should recover that transform. That pose and the skin markers
 * the pointer visits belong to the demo phantom (common/phantom.ts), which the hub also uses.
 */
import { invertRigid, multiply4 } from '../../../common/geometry';
import { SIM_FIDUCIALS_PATIENT, SIM_TRACKER_TO_PATIENT } from '../../../common/phantom';

/** Column-major product a * b, as a Float32Array pose. */
export function mul4(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  return Float32Array.from(multiply4(a, b));
}

/** Pose whose +z axis is `axis` (unit) and origin `tip`. Column-major. */
export function poseFromTipAxis(tip: [number, number, number], axis: [number, number, number]): Float32Array {
  const z = axis;
  const ref: [number, number, number] = Math.abs(z[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const x: [number, number, number] = [ref[1] * z[2] - ref[2] * z[1], ref[2] * z[0] - ref[0] * z[2], ref[0] * z[1] - ref[1] * z[0]];
  const xl = Math.hypot(...x);
  x[0] /= xl;
  x[1] /= xl;
  x[2] /= xl;
  const y: [number, number, number] = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]];
  return new Float32Array([x[0], x[1], x[2], 0, y[0], y[1], y[2], 0, z[0], z[1], z[2], 0, tip[0], tip[1], tip[2], 1]);
}

/** Period of the simulated procedure (s): a fiducial tour, then an insertion toward the spine. */
export const SIM_PATH_PERIOD_S = 60;
/** Each fiducial: a move of FIDUCIAL_MOVE_S then a dwell of FIDUCIAL_DWELL_S with the tip on the bead. */
export const SIM_FIDUCIAL_MOVE_S = 1.5;
export const SIM_FIDUCIAL_DWELL_S = 3.5;
const TOUR_S = SIM_FIDUCIALS_PATIENT.length * (SIM_FIDUCIAL_MOVE_S + SIM_FIDUCIAL_DWELL_S);
const INSERT_S = SIM_PATH_PERIOD_S - TOUR_S;
/** Where the insertion starts and ends: 8 mm behind the skin of the back, on the midline. */
export const SIM_ENTRY_PATIENT: [number, number, number] = [0, 108, 0];
/** Deepest point of the insertion (y, mm): on the lamina, just behind the spinal canal. */
export const SIM_DEEPEST_Y = 72;

type V3 = [number, number, number];
const lerp = (a: V3, b: V3, t: number): V3 => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
const smooth = (t: number) => t * t * (3 - 2 * t);

function insertionTip(s: number): V3 {
  const ph = s / INSERT_S; // 0..1
  const depth = 0.5 - 0.5 * Math.cos(2 * Math.PI * ph);
  return [18 * Math.sin(4 * Math.PI * ph), SIM_ENTRY_PATIENT[1] - depth * (SIM_ENTRY_PATIENT[1] - SIM_DEEPEST_Y), 10 * Math.sin(2 * Math.PI * ph)];
}

/** Tip position (patient LPS, mm) and which fiducial it rests on (index) at simulated time t (s). */
export function simTipPatient(t: number): { tip: V3; onFiducial: number | null } {
  const c = ((t % SIM_PATH_PERIOD_S) + SIM_PATH_PERIOD_S) % SIM_PATH_PERIOD_S;
  if (c >= TOUR_S) return { tip: insertionTip(c - TOUR_S), onFiducial: null };
  const per = SIM_FIDUCIAL_MOVE_S + SIM_FIDUCIAL_DWELL_S;
  const i = Math.floor(c / per);
  const within = c - i * per;
  const target = SIM_FIDUCIALS_PATIENT[i] as V3;
  if (within >= SIM_FIDUCIAL_MOVE_S) return { tip: [...target], onFiducial: i };
  const from = i === 0 ? SIM_ENTRY_PATIENT : (SIM_FIDUCIALS_PATIENT[i - 1] as V3);
  const f = smooth(within / SIM_FIDUCIAL_MOVE_S);
  const p = lerp(from, target, f);
  p[1] += 25 * Math.sin(Math.PI * f); // lift away from the back between markers
  return { tip: p, onFiducial: null };
}

/**
 * Instrument and reference poses at simulated time t (s). Each 60 s: the tip visits the five
 * skin markers (1.5 s move, 3.5 s resting on each), then enters from behind the back (+y in LPS)
 * with the shaft pointing posterior-superior, goes down to the lamina and out again.
 * Quality drops to 0.35 for 3 s every 60 s (a partly occluded marker) and to 0 for 1 s every 150 s.
 */
export function trackerPath(t: number): { instrument: Float32Array; reference: Float32Array; quality: number } {
  const { tip: tipPatient } = simTipPatient(t);
  const ax = [0.15 * Math.sin((2 * Math.PI * t) / 17), 0.9, 0.35];
  const l = Math.hypot(ax[0], ax[1], ax[2]);
  const axis: [number, number, number] = [ax[0] / l, ax[1] / l, ax[2] / l];
  const inPatient = poseFromTipAxis(tipPatient, axis);
  const patientToTracker = invertRigid(SIM_TRACKER_TO_PATIENT);
  const instrument = mul4(patientToTracker, inPatient);
  const reference = mul4(patientToTracker, poseFromTipAxis([0, 120, 80], [0, 1, 0]));
  const q60 = t % 60;
  const q150 = t % 150;
  const quality = q150 > 149 ? 0 : q60 > 57 ? 0.35 : 0.98;
  return { instrument, reference, quality };
}
