/** Pure helpers of the display's alarm components: banner order, countdowns, who acts. */
import type { AlarmItem } from '../../common/display-contract';

const RANK: Record<AlarmItem['priority'], number> = { high: 3, medium: 2, low: 1, info: 0 };

/** IEC 60601-1-8 colours by priority number (0 info, 1 low cyan, 2 medium yellow, 3 high red), as styles.css --low/--medium/--high. */
export const PRIORITY_COLOR: readonly string[] = ['#888', '#00c8ff', '#ffd400', '#ff2d2d'];

/**
 * A patient alarm of a device that is offline: its condition can no longer be judged, so the display shows it as
 * last known (greyed) behind every current alarm, the device's own offline alarm among them (issue 13 §2).
 */
export function lastKnown(a: AlarmItem, offline: ReadonlySet<string>): boolean {
  return a.source === 'physiological' && offline.has(a.deviceId);
}

/** The ids of the devices that are offline (their patient alarms are last known). */
export function offlineDevices(devices: ReadonlyMap<string, { deviceId: string; state: string }>): Set<string> {
  return new Set([...devices.values()].filter((d) => d.state === 'offline').map((d) => d.deviceId));
}

/** Active alarms, not switched off: current ones first, then by priority and onset (IEC 60601-1-8 ordering). */
export function bannerOrder(alarms: readonly AlarmItem[], offline: ReadonlySet<string> = new Set()): AlarmItem[] {
  return alarms
    .filter((a) => a.active && !a.engine?.off)
    .sort((a, b) => Number(lastKnown(a, offline)) - Number(lastKnown(b, offline)) || RANK[b.priority] - RANK[a.priority] || a.sinceHubMs - b.sinceHubMs);
}

/** The highest-priority active alarm (not off) concerning any of these channels (a tile's highlight). */
export function tileAlarm(alarms: readonly AlarmItem[], mdcs: readonly string[]): AlarmItem | null {
  return bannerOrder(alarms).find((a) => a.engine?.mdc.some((m) => mdcs.includes(m))) ?? null;
}

/** m:ss */
export function remaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const OPERATOR_KEY = 'orhub.alarmOperator';

/** Who acts on this display (recorded with every alarm action and limit change); kept in the browser. */
export function operatorName(): string {
  return localStorage.getItem(OPERATOR_KEY) || 'display';
}

export function setOperatorName(name: string): void {
  localStorage.setItem(OPERATOR_KEY, name);
}
