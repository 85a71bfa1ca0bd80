/** The simulated navigation tracker: instrument and reference poses at 60 Hz along the tracker path. */
import { MDC } from '../../common/mdc';
import type { PoseEntry } from '../../common/wire';
import { trackerPath } from '../../common/sim/tracker-path';
import { SimDevice, ch, type SimOptions } from './sim-device';

export const TRACKER_CH = { INSTRUMENT: 0, REFERENCE: 1 } as const;

export class SimTracker extends SimDevice {
  private produced = 0;
  private readonly rateHz = 60;

  constructor(opts: SimOptions) {
    super(opts, 'navigation-tracker', 'sim-tracker-01', 'SimTrack Vega', [
      ch(TRACKER_CH.INSTRUMENT, 'pose', MDC.POSE_INSTRUMENT, { rateHz: 60 }),
      ch(TRACKER_CH.REFERENCE, 'pose', MDC.POSE_REFERENCE, { rateHz: 60 }),
    ]);
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    const due = Math.floor(s * this.rateHz);
    const entries: PoseEntry[] = [];
    for (; this.produced < due; this.produced++) {
      const t = this.produced / this.rateHz;
      const tMs = this.deviceMsAt(t);
      const p = trackerPath(t);
      entries.push({ channel: TRACKER_CH.INSTRUMENT, status: 0, quality: p.quality, tMs, matrix: p.instrument });
      entries.push({ channel: TRACKER_CH.REFERENCE, status: 0, quality: 1, tMs, matrix: p.reference });
      if (entries.length >= 512) {
        this.client.sendPoses(entries.splice(0));
      }
    }
    this.client.sendPoses(entries);
  }
}
