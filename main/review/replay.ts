/**
 * Replay onto the bus: plays a recording as if its devices were live. Each recorded device
 * becomes a DeviceClient (the device SDK) with the descriptor it introduced itself with, and
 * sends its waveforms, numerics, poses, settings, alarms and events when they fall due, with
 * every time shifted so that the replay's start (`fromMs`) is now. A hub that records the
 * replay gets the same samples back, its times shifted by a constant (e2e/replay.test.ts).
 *
 * Clocks: recorded times are hub time of the recording hub. The replaying devices' clock
 * starts at the real clock (Unix ms) and runs `speed` times faster than it, as
 * `or-hub simulate --speed` does; device time = recorded time + shift.
 * Data are read from the file a window ahead of the replay clock (index range searches),
 * so memory stays bounded whatever the length of the case.
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { DeviceClient, type CurveClientKeys } from '../../native-bridge/node/device-client';
import { AlarmState, MAX_ENTRIES, type NumericEntry, type PoseEntry } from '../../native-bridge/common/wire';
import { type RecordingStore } from '../recorder/store';
import { decodeWave } from '../recorder/wavecodec';
import { timeline } from '../recorder/worker-core';
import { deviceDescriptors, settingsInForce } from './case-reader';
import { CodedError } from './errors';

export interface ReplayOptions {
  endpoint: string;
  /** Replay runs this many times faster than real time. Default 1. */
  speed?: number;
  /** Recorded (hub) time to start at; default the first data. */
  fromMs?: number;
  /** Recorded (hub) time to stop at; default the last data. */
  toMs?: number;
  /** Device ids to replay; default all. */
  devices?: string[];
  curve?: CurveClientKeys;
  /** Real clock, ms. Default performance.timeOrigin + performance.now(). */
  clock?: () => number;
  /** How long to wait for the hub to accept every device, ms. Default 10 000. */
  acceptTimeoutMs?: number;
}

export interface ReplayStats {
  devices: number;
  waveSamples: number;
  numerics: number;
  poses: number;
  settings: number;
  alarms: number;
  events: number;
  frames: number;
  fromMs: number;
  toMs: number;
  /** Device time minus recorded time, ms (at speed 1: where the recording's instants land on the real clock). */
  shiftMs: number;
}

export class ReplayError extends CodedError {
  constructor(message: string, code = 'REPLAY') {
    super(message, code, 'ReplayError');
  }
}

/** The hub admits 3 times a device's declared rates (docs/device-protocol.md §7.3): faster, it throttles it as flooding. */
export const MAX_SPEED = 3;
const TICK_MS = 20;
/** Recorded time read ahead of the replay clock per load, ms (times speed). */
const WINDOW_MS = 5000;
const MAX_FRAME_SAMPLES = 4096;

interface WaveRun {
  t0: number;
  step: number;
  samples: Int16Array | Int32Array | Float32Array;
  at: number;
}

interface WaveCursor {
  channelId: number;
  channel: number;
  format: 'i16' | 'i32' | 'f32';
  runs: WaveRun[];
  lastT: number;
}

interface SeriesCursor {
  channelId: number;
  channel: number;
  lastT: number;
}

interface Timed {
  tMs: number;
}

interface Player {
  client: DeviceClient;
  waves: WaveCursor[];
  numerics: SeriesCursor[];
  poses: SeriesCursor[];
  pendingNumerics: NumericEntry[];
  pendingPoses: PoseEntry[];
  pendingRows: (Timed & { send: () => void })[];
}

const asFormat = (f: string | null | undefined): WaveCursor['format'] => (f === 'i32' || f === 'f32' ? f : 'i16');

function toFormat(x: Int32Array | Float32Array, format: WaveCursor['format']): WaveRun['samples'] {
  if (format === 'f32') return x instanceof Float32Array ? x : Float32Array.from(x);
  if (format === 'i32') return x instanceof Int32Array ? x : Int32Array.from(x);
  return Int16Array.from(x);
}

/** Plays one recording onto a bus. `start()` resolves once every device is accepted; `done` when the replay has ended. */
export class Replayer {
  readonly stats: ReplayStats;
  private readonly players = new Map<string, Player>();
  private readonly clock: () => number;
  private readonly speed: number;
  private realStart = 0;
  private deviceStart = 0;
  private loadedTo = -Infinity;
  private rowsLastT = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private finish!: (s: ReplayStats) => void;
  private fail!: (e: Error) => void;
  readonly done: Promise<ReplayStats>;

  constructor(
    private readonly store: RecordingStore,
    private readonly opts: ReplayOptions,
  ) {
    this.clock = opts.clock ?? (() => performance.timeOrigin + performance.now());
    this.speed = opts.speed ?? 1;
    if (!(this.speed > 0 && this.speed <= MAX_SPEED)) throw new ReplayError(`speed must be in (0, ${MAX_SPEED}], got ${this.speed}`, 'REPLAY_BAD_SPEED');
    const descs = deviceDescriptors(store);
    const known = descs.map((d) => d.deviceId);
    for (const d of opts.devices ?? [])
      if (!known.includes(d)) throw new ReplayError(`no device "${d}" in this recording (it has: ${known.join(', ') || 'none'})`, 'REPLAY_NO_DEVICE');
    const chosen = descs.filter((d) => !opts.devices || opts.devices.includes(d.deviceId));
    if (chosen.length === 0) throw new ReplayError('this recording has no devices to replay', 'REPLAY_EMPTY');
    const summaries = store.channelSummaries();
    const first = Math.min(...summaries.map((c) => c.firstMs ?? Infinity));
    const last = Math.max(...summaries.map((c) => c.lastMs ?? -Infinity));
    const fromMs = opts.fromMs ?? (Number.isFinite(first) ? first : (store.caseInfo().startedMs ?? store.caseInfo().createdMs));
    const toMs = opts.toMs ?? (Number.isFinite(last) ? last : fromMs);
    if (!(toMs >= fromMs))
      throw new ReplayError(`--to (${new Date(toMs).toISOString()}) is before --from (${new Date(fromMs).toISOString()})`, 'REPLAY_BAD_RANGE');
    this.stats = { devices: chosen.length, waveSamples: 0, numerics: 0, poses: 0, settings: 0, alarms: 0, events: 0, frames: 0, fromMs, toMs, shiftMs: 0 };
    for (const d of chosen) this.players.set(d.deviceId, this.player(d, summaries));
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
  }

  private player(desc: DeviceDescriptor, summaries: ReturnType<RecordingStore['channelSummaries']>): Player {
    const client = new DeviceClient({ endpoint: this.opts.endpoint, descriptor: desc, curve: this.opts.curve, clock: () => this.deviceNow() });
    const mine = summaries.filter((c) => c.deviceId === desc.deviceId && c.samples > 0);
    const series = (kind: string) => mine.filter((c) => c.kind === kind).map((c) => ({ channelId: c.id, channel: c.channel, lastT: -Infinity }));
    const waves = mine
      .filter((c) => c.kind === 'wave')
      .map((c) => ({
        channelId: c.id,
        channel: c.channel,
        format: asFormat(desc.channels.find((d) => d.index === c.channel)?.format ?? c.format),
        runs: [],
        lastT: -Infinity,
      }));
    return { client, waves, numerics: series('numeric'), poses: series('pose'), pendingNumerics: [], pendingPoses: [], pendingRows: [] };
  }

  /** Device clock, ms: the real clock at start, running `speed` times faster. */
  deviceNow(): number {
    if (this.realStart === 0) return this.clock();
    return this.deviceStart + (this.clock() - this.realStart) * this.speed;
  }

  /** The recorded instant being played now. */
  recordedNow(): number {
    return this.deviceNow() - this.stats.shiftMs;
  }

  /** Connects every device, waits for the hub to accept them, then starts the replay clock. */
  async start(): Promise<void> {
    for (const p of this.players.values()) p.client.start();
    const timeout = this.opts.acceptTimeoutMs ?? 10000;
    const t0 = Date.now();
    while (![...this.players.values()].every((p) => p.client.accepted)) {
      if (Date.now() - t0 > timeout) {
        await this.stopClients();
        throw new ReplayError(
          `no answer from the hub at ${this.opts.endpoint} within ${timeout} ms${this.opts.curve ? '' : ' (a CURVE bus needs --keys FILE)'}`,
          'REPLAY_NO_HUB',
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    this.realStart = this.clock();
    this.deviceStart = this.realStart;
    this.stats.shiftMs = this.deviceStart - this.stats.fromMs;
    this.sendInitialState();
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        clearInterval(this.timer);
        void this.stopClients().then(() => this.fail(e as Error));
      }
    }, TICK_MS);
    this.tick();
  }

  /** Stops early (SIGINT): devices say goodbye. */
  async stop(): Promise<ReplayStats> {
    clearInterval(this.timer);
    await this.stopClients();
    this.finish(this.stats);
    return this.stats;
  }

  private async stopClients(): Promise<void> {
    await Promise.all([...this.players.values()].map((p) => p.client.stop('replay-end')));
  }

  /** Settings and alarms in force at fromMs, sent as of fromMs (what a device sends after its HELLO). */
  private sendInitialState(): void {
    const from = this.stats.fromMs;
    const dev = from + this.stats.shiftMs;
    for (const s of settingsInForce(this.store, from)) {
      const p = this.players.get(s.deviceId);
      if (!p || s.tMs === from) continue; // a setting exactly at fromMs is replayed with the rows
      p.client.sendSetting({ tMs: dev, channel: s.channel, value: s.value, text: s.text });
      this.stats.settings++;
    }
    for (const a of timeline(this.store, -Infinity, from).alarms) {
      const p = this.players.get(a.deviceId);
      if (!p || a.fromMs >= from || (a.toMs !== null && a.toMs < from)) continue;
      p.client.sendAlarm({ tMs: dev, channel: a.channel, priority: a.priority, state: AlarmState.Active, code: a.code, text: a.text });
      this.stats.alarms++;
    }
  }

  /** Reads recorded time (loadedTo, to] into the players' queues. */
  private load(to: number): void {
    const from = this.stats.fromMs;
    const end = this.stats.toMs;
    const lo = Math.max(this.loadedTo, from);
    const keep = (t: number, lastT: number) => t >= from && t <= end && t > lastT;
    for (const p of this.players.values()) {
      for (const w of p.waves) {
        for (const b of this.store.waveBlocks(w.channelId, Math.max(lo, w.lastT), to)) {
          if (b.t1Ms <= w.lastT) continue;
          const x = decodeWave(b.data);
          const step = b.count > 1 ? (b.t1Ms - b.t0Ms) / (b.count - 1) : 0;
          let i0 = 0;
          while (i0 < x.length && !keep(b.t0Ms + i0 * step, w.lastT)) i0++;
          let i1 = x.length;
          while (i1 > i0 && b.t0Ms + (i1 - 1) * step > end) i1--;
          if (i1 <= i0) continue;
          w.runs.push({ t0: b.t0Ms + i0 * step, step, samples: toFormat(x.subarray(i0, i1), w.format), at: 0 });
          w.lastT = b.t0Ms + (i1 - 1) * step;
        }
      }
      for (const c of p.numerics) {
        for (const n of this.store.readNumerics(c.channelId, Math.max(lo, c.lastT), to)) {
          if (!keep(n.tMs, c.lastT)) continue;
          p.pendingNumerics.push({ channel: c.channel, tMs: n.tMs, value: n.value, status: n.status });
          c.lastT = n.tMs;
        }
      }
      for (const c of p.poses) {
        for (const n of this.store.readPoses(c.channelId, Math.max(lo, c.lastT), to)) {
          if (!keep(n.tMs, c.lastT)) continue;
          p.pendingPoses.push({ channel: c.channel, tMs: n.tMs, quality: n.quality, status: n.status, matrix: n.matrix });
          c.lastT = n.tMs;
        }
      }
    }
    this.loadRows(lo, to);
    for (const p of this.players.values()) {
      p.pendingNumerics.sort((a, b) => a.tMs - b.tMs);
      p.pendingPoses.sort((a, b) => a.tMs - b.tMs);
      p.pendingRows.sort((a, b) => a.tMs - b.tMs);
    }
    this.loadedTo = to;
  }

  private loadRows(lo: number, to: number): void {
    const shift = () => this.stats.shiftMs;
    const keep = (t: number) => t >= this.stats.fromMs && t <= this.stats.toMs && t > this.rowsLastT;
    const add = (deviceId: string, tMs: number, send: (dev: number) => void) => {
      const p = this.players.get(deviceId);
      if (p && keep(tMs)) p.pendingRows.push({ tMs, send: () => send(tMs + shift()) });
    };
    for (const s of this.store.settings(lo, to))
      add(
        s.deviceId,
        s.tMs,
        (t) => (this.stats.settings++, this.players.get(s.deviceId)!.client.sendSetting({ tMs: t, channel: s.channel, value: s.value, text: s.text })),
      );
    for (const a of this.store.alarms(lo, to))
      add(
        a.deviceId,
        a.tMs,
        (t) => (
          this.stats.alarms++,
          this.players.get(a.deviceId)!.client.sendAlarm({ tMs: t, channel: a.channel, priority: a.priority, state: a.state, code: a.code, text: a.text })
        ),
      );
    for (const e of this.store.events(lo, to))
      add(
        e.deviceId,
        e.tMs,
        (t) => (this.stats.events++, this.players.get(e.deviceId)!.client.sendEvent({ tMs: t, channel: e.channel, code: e.code, text: e.text })),
      );
    this.rowsLastT = Math.max(this.rowsLastT, to);
  }

  private tick(): void {
    const vt = Math.min(this.recordedNow(), this.stats.toMs);
    const ahead = WINDOW_MS * Math.max(1, this.speed);
    if (this.loadedTo < this.stats.toMs && vt + ahead / 2 >= this.loadedTo)
      this.load(Math.min(this.stats.toMs, Math.max(this.loadedTo, this.stats.fromMs) + ahead));
    const shift = this.stats.shiftMs;
    let pending = this.loadedTo < this.stats.toMs;
    for (const p of this.players.values()) {
      for (const w of p.waves) {
        while (w.runs.length > 0) {
          const r = w.runs[0];
          let n = 0;
          while (r.at + n < r.samples.length && n < MAX_FRAME_SAMPLES && r.t0 + (r.at + n) * r.step <= vt) n++;
          if (n === 0) break;
          // A view, not a copy: encodeWave copies the samples into the frame.
          p.client.sendWave(w.channel, r.t0 + r.at * r.step + shift, r.samples.subarray(r.at, r.at + n));
          this.stats.waveSamples += n;
          this.stats.frames++;
          r.at += n;
          if (r.at >= r.samples.length) w.runs.shift();
        }
        if (w.runs.length > 0) pending = true;
      }
      this.flushSeries(
        p.pendingNumerics,
        vt,
        (e) => p.client.sendNumerics(e.map((x) => ({ ...x, tMs: x.tMs + shift }))),
        (k) => (this.stats.numerics += k),
      );
      this.flushSeries(
        p.pendingPoses,
        vt,
        (e) => p.client.sendPoses(e.map((x) => ({ ...x, tMs: x.tMs + shift }))),
        (k) => (this.stats.poses += k),
      );
      let k = 0;
      while (k < p.pendingRows.length && p.pendingRows[k].tMs <= vt) p.pendingRows[k++].send();
      p.pendingRows.splice(0, k);
      if (p.pendingNumerics.length + p.pendingPoses.length + p.pendingRows.length > 0) pending = true;
    }
    if (!pending && vt >= this.stats.toMs) {
      clearInterval(this.timer);
      this.timer = undefined;
      void this.stopClients().then(
        () => this.finish(this.stats),
        (e: Error) => this.fail(e),
      );
    }
  }

  private flushSeries<T extends Timed>(list: T[], vt: number, send: (entries: T[]) => void, count: (k: number) => void): void {
    let k = 0;
    while (k < list.length && list[k].tMs <= vt) k++;
    for (let i = 0; i < k; i += MAX_ENTRIES) {
      send(list.slice(i, Math.min(k, i + MAX_ENTRIES)));
      this.stats.frames++;
    }
    count(k);
    list.splice(0, k);
  }
}
