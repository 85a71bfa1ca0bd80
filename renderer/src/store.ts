/**
 * The display's state outside the hot path: devices, numerics, settings, alarms, events.
 * An external store (create-store.ts) read by React through useDisplay. Samples never come here.
 */
import type { CaseView, PresetView, TimelineView } from '../../common/case-contract';
import {
  contractMismatch,
  type AlarmItem,
  type AlarmLimitView,
  type ChannelView,
  type DeviceView,
  type EventItem,
  type GapItem,
  type HubMessage,
  type NumericItem,
  type SettingItem,
} from '../../common/display-contract';
import { createStore } from './create-store';

export interface StreamInfo {
  streamId: number;
  deviceId: string;
  channel: ChannelView;
}

export interface DisplayState {
  /** The WebSocket is open. */
  connected: boolean;
  /**
   * Heard from the hub within HUB_LOST_AFTER_MS (common/display-contract.ts): while false nothing
   * on screen may look live (issue 13 §2); set by connection.ts.
   */
  hubLive: boolean;
  /** Hub clock (Unix ms) when the hub was judged lost; null while live. */
  hubLostAtMs: number | null;
  /** Trying to reach the hub again after losing it. */
  reconnecting: boolean;
  /** The hub refused the token (4401): it will not be tried again. */
  tokenRefused: boolean;
  /** The hub process the data came from (its hello); another one means stream ids start afresh. */
  hubId: string | null;
  connectError: string | null;
  /**
   * Set when the hub speaks another contract version (common/display-contract.ts CONTRACT_VERSION):
   * the banner text. While set, nothing the hub sends is interpreted.
   */
  contractMismatch: string | null;
  simulated: boolean;
  devices: ReadonlyMap<string, DeviceView>;
  streams: ReadonlyMap<number, StreamInfo>;
  numerics: ReadonlyMap<number, NumericItem>;
  settings: ReadonlyMap<number, SettingItem>;
  alarms: readonly AlarmItem[];
  events: readonly EventItem[];
  gaps: readonly GapItem[];
  caseView: CaseView | null;
  presets: readonly PresetView[];
  recording: boolean;
  timeline: TimelineView | null;
  /** Alarm limits in force (alarm-limits messages). */
  alarmLimits: readonly AlarmLimitView[];
  /** Hub time of the last alarm-loop heartbeat (0: none yet); missing for 2 s is an alarm-system failure. */
  alarmHeartbeatHubMs: number;
  /** Audio pause length the hub uses, ms. */
  alarmPauseMs: number;
}

/** What the hub told: dropped when a hub of another contract version answers (nothing stale is shown as live). */
const HUB_DATA = {
  simulated: false,
  devices: new Map(),
  streams: new Map(),
  numerics: new Map(),
  settings: new Map(),
  alarms: [],
  events: [],
  gaps: [],
  caseView: null,
  presets: [],
  recording: false,
  timeline: null,
  alarmLimits: [],
  alarmHeartbeatHubMs: 0,
  alarmPauseMs: 120_000,
} satisfies Omit<DisplayState, 'connected' | 'connectError' | 'contractMismatch' | 'hubLive' | 'hubLostAtMs' | 'reconnecting' | 'tokenRefused' | 'hubId'>;

const LINK = { connected: false, hubLive: false, hubLostAtMs: null, reconnecting: false, tokenRefused: false, hubId: null, connectError: null };
const store = createStore<DisplayState>({ ...LINK, contractMismatch: null, ...HUB_DATA });

export const getState = store.get;
export const setState = store.set;
export const subscribe = store.subscribe;
export const useDisplay = store.use;

function withDevice(devices: ReadonlyMap<string, DeviceView>, d: DeviceView): Map<string, DeviceView> {
  const m = new Map(devices);
  m.set(d.deviceId, d);
  return m;
}

function streamsOf(devices: ReadonlyMap<string, DeviceView>): Map<number, StreamInfo> {
  const m = new Map<number, StreamInfo>();
  for (const d of devices.values()) for (const c of d.channels) m.set(c.streamId, { streamId: c.streamId, deviceId: d.deviceId, channel: c });
  return m;
}

/**
 * Applies one JSON message from the hub. Returns false when the message was not interpreted:
 * the hub speaks another contract version (its hello said so), so its data may mean something else.
 */
export function applyHubMessage(m: HubMessage): boolean {
  const state = store.get();
  if (m.t === 'hello') {
    const mismatch = contractMismatch(m.version);
    // Another hub process (a restart): its stream ids are its own, so nothing of the last one is kept.
    const fresh = m.hubId !== state.hubId ? HUB_DATA : {};
    setState(
      mismatch ? { ...HUB_DATA, contractMismatch: mismatch, hubId: m.hubId } : { ...fresh, contractMismatch: null, simulated: m.simulated, hubId: m.hubId },
    );
    return !mismatch;
  }
  if (state.contractMismatch) return false;
  apply(state, m);
  return true;
}

function apply(state: DisplayState, m: Exclude<HubMessage, { t: 'hello' }>): void {
  switch (m.t) {
    case 'devices': {
      const devices = new Map(m.devices.map((d) => [d.deviceId, d]));
      setState({ devices, streams: streamsOf(devices) });
      return;
    }
    case 'device': {
      const devices = withDevice(state.devices, m.device);
      setState({ devices, streams: streamsOf(devices) });
      return;
    }
    case 'numerics': {
      const numerics = new Map(state.numerics);
      for (const n of m.items) numerics.set(n.streamId, n);
      setState({ numerics });
      return;
    }
    case 'settings': {
      const settings = new Map(state.settings);
      for (const s of m.items) settings.set(s.streamId, s);
      setState({ settings });
      return;
    }
    case 'alarms':
      setState({ alarms: m.items });
      return;
    case 'alarm-heartbeat':
      setState({ alarmHeartbeatHubMs: m.hubTimeMs, alarmPauseMs: m.pauseMs });
      return;
    case 'alarm-limits':
      setState({ alarmLimits: m.limits });
      return;
    case 'event':
      setState({ events: [...state.events.slice(-199), m.item] });
      return;
    case 'gap':
      setState({ gaps: [...state.gaps.slice(-199), m.item] });
      return;
    case 'case':
      setState({ caseView: m.case, presets: m.presets, recording: m.recording, timeline: m.case ? state.timeline : null });
      return;
    case 'timeline':
      setState({ timeline: m.timeline });
      return;
    case 'time':
    case 'error':
      return;
  }
}

/** Looks up the stream id of a device channel by its MDC reference id (first match). */
export function findStream(s: DisplayState, mdc: string, kind?: string): StreamInfo | undefined {
  for (const info of s.streams.values()) {
    if (info.channel.mdc === mdc && (!kind || info.channel.kind === kind)) return info;
  }
  return undefined;
}
