/**
 * What every stage of the ingest shares: the clock, the transport back to devices, the
 * sinks, the alarm board, the hub's counters and log. One object, made by the Hub facade.
 */
import type { DataOffer } from '../../../native-bridge/common/data-channel';
import type { IdentityCheck } from '../../../native-bridge/node/identity';
import type { AlarmBoard } from '../alarm-board';
import type { RateLimitedLog } from '../log';
import type { DropCode, HubStats } from './counters';
import type { IngestDevice } from './device';
import type { Outputs } from './outputs';

export interface HubTransport {
  send(peer: Buffer, bytes: Uint8Array): void;
  /** The data channel offered to devices in HELLO_ACK (§2.3); absent or null: none. */
  readonly dataOffer?: Omit<DataOffer, 'session'> | null;
}

export interface IngestConfig {
  /** Interval between sync exchanges once settled, ms. */
  syncIntervalMs: number;
  /** Devices the hub keeps at most (a HELLO beyond is refused). */
  maxDevices: number;
  /** A device may send this many times its declared rate, sustained, before it is throttled; Infinity: no budgets. */
  floodFactor: number;
  /** Uncertainty above which a device is shown unsynchronised, ms. */
  syncLimitMs: number;
}

export interface IngestContext {
  /** Hub clock, ms. */
  readonly now: () => number;
  readonly transport: HubTransport;
  readonly config: IngestConfig;
  readonly log: RateLimitedLog;
  readonly stats: HubStats;
  readonly out: Outputs;
  readonly alarms: AlarmBoard;
  /** CURVE bus: which deviceId a HELLO's key proof allows (§8.3); null: any (plain loopback bus). */
  readonly identity: IdentityCheck | null;
  /** Drops a frame: counted hub-wide and against `dev` (when known), logged rate-limited per sender and reason. */
  drop(dev: IngestDevice | undefined, code: DropCode, msg: string, who: string): void;
  /** Hands the device's status to the sinks now. */
  emitDevice(dev: IngestDevice): void;
}
