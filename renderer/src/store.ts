/**
 * The display's state outside the hot path: devices, numerics, settings, alarms, events.
 * A tiny external store read by React through useSyncExternalStore. Samples never come here.
 */
import { useSyncExternalStore } from 'react';
import type { CaseView, PresetView, TimelineView } from '../../common/case-contract';
import type { AlarmItem, ChannelView, DeviceView, EventItem, GapItem, HubMessage, NumericItem, SettingItem } from '../../common/display-contract';

export interface StreamInfo {
  streamId: number;
  deviceId: string;
  channel: ChannelView;
}

export interface DisplayState {
  connected: boolean;
  connectError: string | null;
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
}

let state: DisplayState = {
  connected: false,
  connectError: null,
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
};

const listeners = new Set<() => void>();

export function getState(): DisplayState {
  return state;
}

export function setState(patch: Partial<DisplayState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

export function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useDisplay<T>(select: (s: DisplayState) => T): T {
  return useSyncExternalStore(subscribe, () => select(state));
}

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

/** Applies one JSON message from the hub. */
export function applyHubMessage(m: HubMessage): void {
  switch (m.t) {
    case 'hello':
      setState({ simulated: m.simulated });
      return;
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
