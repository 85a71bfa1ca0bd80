/**
 * Gap reporting per device: every gap is counted and handed to the sinks. Past
 * GAP_RECORDS_PER_S a device's records are merged per (channel, reason) and handed on once
 * a second, so a device that loses (or fakes) thousands of frames a second cannot swamp
 * displays and recordings; no loss goes unrecorded, it is only coarser.
 */
import type { GapRecord } from '../sink';
import type { DeviceCounters } from './counters';
import { Bucket } from './flood';

/** Gap records a device may produce per second before they are merged into one per stream per second. */
const GAP_RECORDS_PER_S = 10;

export class GapReporter {
  private readonly bucket: Bucket;
  /** Gap records over the budget, merged per (channel, reason) until the next flush. */
  private readonly pending = new Map<string, GapRecord>();

  constructor(
    private readonly counters: DeviceCounters,
    private readonly out: (g: GapRecord) => void,
    private readonly now: () => number,
  ) {
    this.bucket = new Bucket(GAP_RECORDS_PER_S, 2 * GAP_RECORDS_PER_S, now());
  }

  report(g: GapRecord): void {
    this.counters.gaps++;
    this.counters.lostFrames += g.lostFrames;
    this.counters.dirty = true;
    if (this.pending.size === 0 && this.bucket.take(1, this.now())) {
      this.out(g);
      return;
    }
    const k = `${g.channel}/${g.reason}`;
    const p = this.pending.get(k);
    if (!p) this.pending.set(k, { ...g });
    else {
      p.fromHubMs = Math.min(p.fromHubMs, g.fromHubMs);
      p.toHubMs = Math.max(p.toHubMs, g.toHubMs);
      p.lostFrames += g.lostFrames;
    }
  }

  /** Hands on the merged records (the hub calls this once a second). */
  flush(): void {
    if (this.pending.size === 0) return;
    const list = [...this.pending.values()];
    this.pending.clear();
    for (const g of list) this.out(g);
  }
}
