/**
 * The hub's ingest, as one object: validates every device frame, keeps device identity
 * across reconnects, places samples on the hub clock, detects and records sequence gaps,
 * watches liveness, throttles floods, and hands everything to the sinks (display, recorder)
 * as one event stream (main/hub/sink.ts). Protocol: docs/device-protocol.md. Never throws
 * on hostile input.
 *
 * This is the facade; each job is one file under ingest/: receive (decoding, dispatch),
 * hello and sessions (identity, data tokens), clock-schedule, streams (sequence and gaps),
 * flood, link (liveness), frames and wave (per-frame-type handlers), outputs (the sinks).
 * Alarms go to the alarm board (alarm-board.ts), which the recorder and services share.
 */
import type { FaultCounter } from './guard';
import { AlarmBoard } from './alarm-board';
import { hubNow } from './clock';
import { RateLimitedLog } from './log';
import type { DeviceStatus, HubSink } from './sink';
import { syncTick } from './ingest/clock-schedule';
import type { HubTransport, IngestConfig, IngestContext } from './ingest/context';
import { newHubStats, type HubStats } from './ingest/counters';
import type { IngestDevice } from './ingest/device';
import { reportDrops } from './ingest/drop-report';
import { calmFlood } from './ingest/flood';
import { checkLiveness } from './ingest/link';
import { Outputs } from './ingest/outputs';
import { recheckIdentities } from './ingest/hello';
import { receiveControl, receiveData } from './ingest/receive';
import type { IdentityCheck } from '../../native-bridge/node/identity';
import { Sessions } from './ingest/sessions';
import { flushStaleThrottled } from './ingest/streams';

export type { HubTransport } from './ingest/context';
export type { DropCode, HubStats } from './ingest/counters';

export interface HubOptions extends Partial<IngestConfig> {
  /** Time source, hub clock ms (tests inject). */
  now?: () => number;
  log?: (line: string) => void;
  /** The alarm board the hub raises on (and whose changes it hands to its sinks); default: a new one. */
  alarms?: AlarmBoard;
  /** CURVE bus: which deviceId each HELLO's key proof allows (§8.3); default none (any deviceId, plain bus). */
  identity?: IdentityCheck;
}

/** How often the timer runs (liveness, sync schedule, flood recovery, status updates), ms. */
const TICK_MS = 50;
/** Device status reaches the sinks at most this often for counter changes, and at least this often regardless, ms. */
const STATUS_MIN_MS = 1000;
const STATUS_MAX_MS = 5000;
/** Merged gap records and idle HELLO budgets are swept this often, ms. */
const SWEEP_MS = 1000;

export class Hub {
  /** Every alarm of the theatre; the hub raises device and link alarms here. */
  readonly alarms: AlarmBoard;
  /** Hub-wide drop statistics. */
  readonly stats: HubStats = newHubStats();
  private readonly out = new Outputs();
  private readonly sessions: Sessions;
  private readonly ctx: IngestContext;
  private timer: NodeJS.Timeout | undefined;
  private lastSweep = -Infinity;

  constructor(transport: HubTransport, opts: HubOptions = {}) {
    const now = opts.now ?? hubNow;
    const log = new RateLimitedLog(opts.log ?? ((l) => console.error(l)), 5000, now);
    const config: IngestConfig = {
      syncIntervalMs: opts.syncIntervalMs ?? 1000,
      maxDevices: opts.maxDevices ?? 1000,
      floodFactor: opts.floodFactor ?? 3,
      syncLimitMs: opts.syncLimitMs ?? 50,
    };
    this.alarms = opts.alarms ?? new AlarmBoard((e) => log.log('alarm-board', `alarm board: a sink failed: ${(e as Error).stack ?? e}`));
    this.sessions = new Sessions(config.maxDevices);
    const { stats, out } = this;
    this.ctx = {
      now,
      transport,
      config,
      log,
      stats,
      out,
      alarms: this.alarms,
      identity: opts.identity ?? null,
      drop(dev, code, msg, who) {
        stats.malformed++;
        stats.decodeErrors.set(code, (stats.decodeErrors.get(code) ?? 0) + 1);
        dev?.counters.dropped(code);
        log.log(`${who}:${code}`, `bus: dropped frame from ${who}: ${code}: ${msg}`);
      },
      emitDevice(dev) {
        dev.counters.dirty = false;
        const t = now();
        dev.lastEmitHubMs = t;
        out.deviceChanged(dev.status(t, config.syncLimitMs));
      },
    };
    this.alarms.subscribe((changed, active) => out.alarmsChanged(changed, active));
  }

  addSink(s: HubSink): void {
    this.out.add(s);
  }

  /** Starts the 50 ms tick; with `faults`, a tick that throws is counted there instead of ending the process. */
  start(faults?: FaultCounter): void {
    this.timer = faults ? faults.interval('hub-tick', () => this.tick(), TICK_MS) : setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Entry point for every bus message: `peer` is the ZMQ routing id, `bytes` the first body
   * part, `parts` the number of body parts (a device sends exactly one). Never throws.
   */
  onMessage(peer: Buffer, bytes: Uint8Array, parts = 1): void {
    try {
      receiveControl(this.ctx, this.sessions, peer, bytes, parts);
    } catch (e) {
      this.internalError(e);
    }
  }

  /**
   * Entry point for every data-channel message (§2.3): a 16-byte session token, then one frame.
   * `parts` is the number of ZeroMQ parts (a device sends one). Never throws.
   */
  onData(msg: Uint8Array, parts = 1): void {
    try {
      receiveData(this.ctx, this.sessions, msg, parts);
    } catch (e) {
      this.internalError(e);
    }
  }

  /** A bug must not take the hub down; the frame is lost and said so. */
  private internalError(e: unknown): void {
    this.ctx.drop(undefined, 'WIRE_BAD_PAYLOAD', `internal error: ${(e as Error).stack ?? e}`, 'hub');
  }

  /** The allow-list changed: devices whose key may no longer claim their deviceId are cut off now (§8.3). Never throws. */
  recheckIdentities(): void {
    try {
      recheckIdentities(this.ctx, this.sessions, this.ctx.now());
    } catch (e) {
      this.internalError(e);
    }
  }

  /** One device's status now; undefined for a device the hub has never seen. */
  deviceStatus(deviceId: string): DeviceStatus | undefined {
    const dev = this.sessions.devices.get(deviceId);
    return dev && dev.status(this.ctx.now(), this.ctx.config.syncLimitMs);
  }

  /** Every device the hub knows (online or not), in the order they first said HELLO. */
  deviceStatuses(): DeviceStatus[] {
    const t = this.ctx.now();
    return [...this.sessions.devices.values()].map((d) => d.status(t, this.ctx.config.syncLimitMs));
  }

  /** Liveness, sync schedule, flood recovery, pending gap reports, status updates (the timer calls this every 50 ms). */
  tick(): void {
    const t = this.ctx.now();
    for (const dev of this.sessions.devices.values()) this.tickDevice(dev, t);
    const sweep = t - this.lastSweep > SWEEP_MS;
    this.sessions.sweep(t, sweep);
    if (sweep) {
      this.lastSweep = t;
      for (const dev of this.sessions.devices.values()) dev.gaps.flush();
    }
  }

  private tickDevice(dev: IngestDevice, t: number): void {
    const ctx = this.ctx;
    flushStaleThrottled(dev, t);
    calmFlood(ctx, dev, t);
    if (dev.link.state !== 'offline') {
      if (!checkLiveness(ctx, dev, t)) return;
      syncTick(ctx, dev, t);
      reportDrops(ctx, dev, t);
    }
    const since = t - dev.lastEmitHubMs;
    if ((dev.counters.dirty && since >= STATUS_MIN_MS) || since >= STATUS_MAX_MS) ctx.emitDevice(dev);
  }
}
