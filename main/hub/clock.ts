/**
 * The hub clock: Unix epoch milliseconds that never step backwards while the hub runs
 * (performance.timeOrigin + performance.now(), immune to wall-clock adjustments).
 */
export function hubNow(): number {
  return performance.timeOrigin + performance.now();
}
