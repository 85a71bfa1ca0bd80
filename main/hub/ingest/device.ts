/**
 * One device as the ingest keeps it: small per-concern parts (session, link, clock sync,
 * streams, flood control, gap reporting, counters), each owned by its stage.
 */
import type { DeviceStatus } from '../sink';
import { SyncSchedule } from './clock-schedule';
import { DeviceCounters } from './counters';
import { DropReports } from './drop-report';
import { FloodState, type Budgets } from './flood';
import { GapReporter } from './gaps';
import { LinkState } from './link';
import type { DeviceSession } from './sessions';
import { DeviceStreams } from './streams';
import type { IngestContext } from './context';

export class IngestDevice {
  readonly counters = new DeviceCounters();
  readonly link: LinkState;
  readonly sync = new SyncSchedule();
  readonly streams = new DeviceStreams();
  readonly flood: FloodState;
  readonly gaps: GapReporter;
  /** What the device has been told about its dropped frames (ERROR 5). */
  readonly dropReports = new DropReports();
  /** Hub time the status was last handed to the sinks. */
  lastEmitHubMs: number;

  constructor(
    readonly session: DeviceSession,
    budgets: Budgets,
    ctx: IngestContext,
    t: number,
  ) {
    this.link = new LinkState(t);
    this.flood = new FloodState(budgets);
    this.gaps = new GapReporter(this.counters, (g) => ctx.out.gap(g), ctx.now);
    this.lastEmitHubMs = t;
  }

  get id(): string {
    return this.session.desc.deviceId;
  }

  /** The device's status at hub time `t`. */
  status(t: number, syncLimitMs: number): DeviceStatus {
    const clock = this.sync.clock;
    const u = clock.uncertaintyAt(t);
    return {
      desc: this.session.desc,
      streamIds: this.session.streamIds,
      state: this.link.state,
      stateReason: this.link.reason,
      lastHeardHubMs: this.link.lastHeardHubMs,
      unsynchronised: this.sync.unanswered || (clock.estimate !== null && u > syncLimitMs),
      sync: clock.estimate ? { offsetMs: clock.offsetAt(t), driftPpm: clock.driftPpm, uncertaintyMs: u, synchronised: u <= syncLimitMs } : null,
      counters: this.counters.view(),
      drops: Object.fromEntries(this.counters.drops),
      flooding: this.flood.flooding,
      floodReason: this.flood.reason,
      throttledPending: this.streams.throttledPending,
    };
  }
}
