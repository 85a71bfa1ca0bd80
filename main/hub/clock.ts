/**
 * The hub clock: Unix epoch milliseconds that never step backwards while the hub runs
 * (performance.timeOrigin + performance.now(), immune to wall-clock adjustments).
 */

/** Fixed for the life of the process; read once (the getter costs a native call, on every frame otherwise). */
const TIME_ORIGIN_MS = performance.timeOrigin;

export function hubNow(): number {
  return TIME_ORIGIN_MS + performance.now();
}
