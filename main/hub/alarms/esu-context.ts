/**
 * Context rule: while the electrosurgical unit is activating (ESU_ACTIVATION_START/STOP
 * events on the bus), and for a short settling time after, ECG-derived alarms are marked
 * "possible ESU interference". The alarm itself is never hidden or lowered.
 */
export const ESU_NOTE = 'possible ESU interference';
/** The ECG front end settles this long after the ESU stops (docs/alarms.md), ms. */
export const ESU_SETTLE_MS = 2000;

/** True for MDC ids derived from the ECG (waves, heart rate, arrhythmia). */
export function isEcgDerived(mdc: string): boolean {
  return mdc.startsWith('MDC_ECG_');
}

export class EsuContext {
  private readonly activeSince = new Map<string, number>();
  private lastStopMs = -Infinity;

  /** A device event; returns true when it changed the activation state. */
  event(deviceId: string, code: string, tMs: number): boolean {
    if (code === 'ESU_ACTIVATION_START') {
      if (this.activeSince.has(deviceId)) return false;
      this.activeSince.set(deviceId, tMs);
      return true;
    }
    if (code === 'ESU_ACTIVATION_STOP' && this.activeSince.delete(deviceId)) {
      this.lastStopMs = tMs;
      return true;
    }
    return false;
  }

  /** A device went offline: its activation ends. */
  deviceGone(deviceId: string, tMs: number): void {
    if (this.activeSince.delete(deviceId)) this.lastStopMs = tMs;
  }

  /** True while any ESU activates, or within the settling time after the last stop. */
  interfering(tMs: number): boolean {
    return this.activeSince.size > 0 || tMs - this.lastStopMs < ESU_SETTLE_MS;
  }
}
