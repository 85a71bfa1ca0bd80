/**
 * Drop reports (docs/device-protocol.md §9.1, ERROR 5 FRAMES_DROPPED): a device learns that the
 * hub dropped its frames, and why. Each report names one reason and how many frames were dropped
 * for it since the previous report; a device gets at most one report per reason a second.
 */
import { HubErrorCode, encodeError } from '../../../native-bridge/common/wire';
import type { IngestContext } from './context';
import type { DropCode } from './counters';
import type { IngestDevice } from './device';

/** Reports for one device are sent at most this often (per reason), ms. */
export const DROP_REPORT_EVERY_MS = 1000;

/** What one device has been told so far. */
export class DropReports {
  /** Drops by reason already reported. */
  private readonly told = new Map<DropCode, number>();
  private lastHubMs = -Infinity;

  /** The reasons with new drops and their counts since the last report, if one is due at `t`; marks them told. */
  due(drops: ReadonlyMap<DropCode, number>, t: number): [DropCode, number][] {
    if (t - this.lastHubMs < DROP_REPORT_EVERY_MS) return [];
    const out: [DropCode, number][] = [];
    for (const [code, n] of drops) {
      const fresh = n - (this.told.get(code) ?? 0);
      if (fresh > 0) out.push([code, fresh]);
      this.told.set(code, n);
    }
    if (out.length > 0) this.lastHubMs = t;
    return out;
  }
}

/** The timer's part: sends FRAMES_DROPPED for every reason with new drops, when a report is due. */
export function reportDrops(ctx: IngestContext, dev: IngestDevice, t: number): void {
  const peer = dev.session.peer;
  if (!peer) return;
  for (const [reason, count] of dev.dropReports.due(dev.counters.drops, t)) {
    ctx.transport.send(peer, encodeError({ seq: 0, tDeviceMs: t }, HubErrorCode.FramesDropped, JSON.stringify({ reason, count })));
  }
}
