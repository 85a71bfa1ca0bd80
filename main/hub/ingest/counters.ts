/**
 * What the ingest counts: why frames were dropped (hub-wide and per device), and each
 * device's frame, gap and throttle counters (shown on the display and in /api/status).
 */
import type { DecodeErrorCode } from '../../../native-bridge/common/wire';
import type { DeviceCounters as DeviceCountersView } from '../sink';

/** Why the hub dropped a frame: the codec's codes plus the hub's own checks (§9 of the protocol). */
export type DropCode =
  | DecodeErrorCode
  | 'BAD_DESCRIPTOR'
  | 'BAD_CHANNEL'
  | 'BAD_TIME'
  | 'BAD_SEQUENCE'
  | 'BAD_SYNC'
  | 'BUS_MULTIPART'
  | 'NOT_FROM_DEVICE'
  | 'TOO_MANY_DEVICES'
  | 'HELLO_RATE'
  | 'IDENTITY_REFUSED'
  | 'DATA_ENVELOPE'
  | 'DATA_SESSION'
  | 'DATA_HELLO';

/** Hub-wide drop statistics (spread into /api/status under `bus`: a plain object, so its getter spreads too). */
export interface HubStats {
  /** Frames from peers that never said HELLO (answered with HELLO_REQUIRED). */
  unknownPeerFrames: number;
  /** Frames dropped as malformed or invalid (all peers). */
  malformed: number;
  decodeErrors: Map<DropCode, number>;
  /** HELLOs refused (bad descriptor, too many devices). */
  helloRejected: number;
  /** Data-channel messages whose token names no current session (or that are too short to carry one). */
  readonly dataRefused: number;
}

export function newHubStats(): HubStats {
  return {
    unknownPeerFrames: 0,
    malformed: 0,
    decodeErrors: new Map<DropCode, number>(),
    helloRejected: 0,
    get dataRefused(): number {
      return (this.decodeErrors.get('DATA_ENVELOPE') ?? 0) + (this.decodeErrors.get('DATA_SESSION') ?? 0);
    },
  };
}

/** One device's counters. */
export class DeviceCounters implements DeviceCountersView {
  frames = 0;
  gaps = 0;
  lostFrames = 0;
  malformed = 0;
  throttled = 0;
  /** Dropped frames by reason. */
  readonly drops = new Map<DropCode, number>();
  /** The device's status changed (counters, sync) since it was last handed to the sinks. */
  dirty = false;

  dropped(code: DropCode): void {
    this.malformed++;
    this.drops.set(code, (this.drops.get(code) ?? 0) + 1);
    this.dirty = true;
  }

  view(): DeviceCountersView {
    return { frames: this.frames, gaps: this.gaps, lostFrames: this.lostFrames, malformed: this.malformed, throttled: this.throttled };
  }
}
