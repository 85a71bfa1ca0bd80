/**
 * Fans hub data out to display WebSocket clients: waveforms and poses as binary batches
 * (one message per event-loop turn), state as small JSON messages. A slow client is
 * skipped for hot data rather than allowed to grow the hub's memory.
 * Stream ids come with the devices' status (`deviceChanged`, which the hub sends before any
 * data of a device session); data of a device channel not announced so is not shown.
 */
import type { DeviceDescriptor } from '../../native-bridge/common/descriptor';
import {
  type AlarmItem,
  encodePoseBatch,
  encodeWaveBatch,
  type GapItem,
  type HubMessage,
  type NumericItem,
  type PoseView,
  type SettingItem,
  type WaveBlockView,
} from '../../common/display-contract';
import type { AlarmEntry } from './alarm-board';
import type { DeviceLinkState, DeviceStatus, GapRecord, HubSink, WaveBlock } from './sink';
import { hubNow } from './clock';
import { alarmItem, deviceView } from './display-view';

export interface DisplayClient {
  send(data: string | Uint8Array): void;
  /** Bytes queued and not yet written to the socket. */
  readonly bufferedAmount: number;
}

/** Past this many queued bytes a client gets no hot data until it catches up. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export class DisplaySink implements HubSink {
  /**
   * @param opts.boardAlarms  send the alarm board's entries as 'alarms' (default true); false
   *   when the alarm engine (main/hub/alarms/) sends the displays its alarms instead.
   */
  constructor(private readonly opts: { boardAlarms?: boolean } = {}) {}

  private readonly clients = new Set<DisplayClient>();
  private waves: WaveBlockView[] = [];
  private poses: PoseView[] = [];
  private numerics: NumericItem[] = [];
  private settings: SettingItem[] = [];
  private scheduled = false;
  /** Latest numeric and setting per stream, for new clients. */
  private readonly latestNumerics = new Map<number, NumericItem>();
  private readonly latestSettings = new Map<number, SettingItem>();
  private readonly recentGaps: GapItem[] = [];
  /** Hot-data messages not sent to a client because it was too far behind. */
  skipped = 0;
  /** Clients currently behind: since when, and how many hot messages they missed. */
  private readonly lagging = new Map<DisplayClient, { sinceHubMs: number; messages: number }>();

  /** Hub-wide stream ids per device channel, from the devices' status. */
  private readonly streamIds = new Map<string, ReadonlyMap<number, number>>();
  /** Data of channels without a stream id (not announced by a device status): not shown. */
  unrouted = 0;
  readonly streamIdOf = (deviceId: string, channel: number): number | undefined => this.streamIds.get(deviceId)?.get(channel);

  addClient(c: DisplayClient, snapshot: HubMessage[]): void {
    this.clients.add(c);
    for (const m of snapshot) c.send(JSON.stringify(m));
    if (this.latestNumerics.size) c.send(JSON.stringify({ t: 'numerics', items: [...this.latestNumerics.values()] } satisfies HubMessage));
    if (this.latestSettings.size) c.send(JSON.stringify({ t: 'settings', items: [...this.latestSettings.values()] } satisfies HubMessage));
    for (const g of this.recentGaps) c.send(JSON.stringify({ t: 'gap', item: g } satisfies HubMessage));
  }

  removeClient(c: DisplayClient): void {
    this.clients.delete(c);
    this.lagging.delete(c);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  broadcast(m: HubMessage): void {
    if (this.clients.size === 0) return;
    const s = JSON.stringify(m);
    for (const c of this.clients) c.send(s);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends everything pending. */
  flush(): void {
    this.scheduled = false;
    if (this.clients.size === 0) {
      this.waves = [];
      this.poses = [];
      this.numerics = [];
      this.settings = [];
      return;
    }
    const hot: Uint8Array[] = [];
    if (this.waves.length) hot.push(encodeWaveBatch(this.waves));
    if (this.poses.length) hot.push(encodePoseBatch(this.poses));
    const cold: string[] = [];
    if (this.numerics.length) cold.push(JSON.stringify({ t: 'numerics', items: this.numerics } satisfies HubMessage));
    if (this.settings.length) cold.push(JSON.stringify({ t: 'settings', items: this.settings } satisfies HubMessage));
    this.waves = [];
    this.poses = [];
    this.numerics = [];
    this.settings = [];
    for (const c of this.clients) {
      if (c.bufferedAmount > MAX_BUFFERED) {
        this.skipped += hot.length;
        const lag = this.lagging.get(c);
        if (lag) lag.messages += hot.length;
        else this.lagging.set(c, { sinceHubMs: hubNow(), messages: hot.length });
      } else {
        const lag = this.lagging.get(c);
        if (lag) {
          // Tell this display what it missed: its waveforms have a hole here, not a silent splice.
          this.lagging.delete(c);
          const item: GapItem = {
            deviceId: '*',
            streamId: null,
            fromHubMs: lag.sinceHubMs,
            toHubMs: hubNow(),
            lostFrames: lag.messages,
            reason: 'display-behind',
          };
          c.send(JSON.stringify({ t: 'gap', item } satisfies HubMessage));
        }
        for (const m of hot) c.send(m);
      }
      for (const m of cold) c.send(m);
    }
  }

  deviceOnline(_desc: DeviceDescriptor, _t: number): void {}
  deviceState(_deviceId: string, _state: DeviceLinkState, _t: number, _reason: string): void {}

  wave(b: WaveBlock): void {
    if (this.clients.size === 0) return;
    const streamId = this.streamId(b.deviceId, b.channel);
    if (streamId === undefined) return;
    const n = b.raw.length;
    const samples = new Float32Array(n);
    const { scale, offset, raw } = b;
    for (let i = 0; i < n; i++) samples[i] = raw[i] * scale + offset;
    this.waves.push({ streamId, t0HubMs: b.t0HubMs, rateHz: b.rateHz, samples });
    this.schedule();
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    const streamId = this.streamId(deviceId, channel);
    if (streamId === undefined) return;
    const item: NumericItem = { streamId, value, status, tHubMs };
    this.latestNumerics.set(item.streamId, item);
    this.numerics.push(item);
    this.schedule();
  }

  setting(deviceId: string, channel: number, tHubMs: number, value: number, text: string): void {
    const streamId = this.streamId(deviceId, channel);
    if (streamId === undefined) return;
    const item: SettingItem = { streamId, value, text, tHubMs };
    this.latestSettings.set(item.streamId, item);
    this.settings.push(item);
    this.schedule();
  }

  alarm(): void {
    // Displays get the alarm board as a whole (alarmsChanged), not device alarm frames.
  }

  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, matrix: Float32Array): void {
    if (this.clients.size === 0) return;
    const streamId = this.streamId(deviceId, channel);
    if (streamId === undefined) return;
    this.poses.push({ streamId, tHubMs, status, quality, matrix });
    this.schedule();
  }

  event(deviceId: string, channel: number, tHubMs: number, code: string, text: string): void {
    this.broadcast({ t: 'event', item: { deviceId, streamId: this.optionalStreamId(deviceId, channel), code, text, tHubMs } });
  }

  gap(g: GapRecord): void {
    const item: GapItem = {
      deviceId: g.deviceId,
      streamId: this.optionalStreamId(g.deviceId, g.channel),
      fromHubMs: g.fromHubMs,
      toHubMs: g.toHubMs,
      lostFrames: g.lostFrames,
      reason: g.reason,
    };
    this.recentGaps.push(item);
    if (this.recentGaps.length > 200) this.recentGaps.shift();
    this.broadcast({ t: 'gap', item });
  }

  deviceChanged(status: DeviceStatus): void {
    this.streamIds.set(status.desc.deviceId, status.streamIds);
    this.broadcast({ t: 'device', device: deviceView(status) });
  }

  alarmsChanged(_changed: AlarmEntry, active: readonly AlarmEntry[]): void {
    if (this.opts.boardAlarms === false) return;
    this.broadcast({ t: 'alarms', items: this.alarmItems(active) });
  }

  /** Alarm-board entries as displays show them. */
  alarmItems(entries: readonly AlarmEntry[]): AlarmItem[] {
    return entries.map((a) => alarmItem(a, this.streamIdOf));
  }

  private streamId(deviceId: string, channel: number): number | undefined {
    const id = this.streamIdOf(deviceId, channel);
    if (id === undefined) this.unrouted++;
    return id;
  }

  /** The stream id of a channel (-1: none, the whole device). */
  private optionalStreamId(deviceId: string, channel: number): number | null {
    return channel >= 0 ? (this.streamIdOf(deviceId, channel) ?? null) : null;
  }
}
