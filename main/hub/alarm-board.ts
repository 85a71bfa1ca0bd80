/**
 * The hub's one alarm board: every alarm condition of the theatre, keyed, with its source,
 * its IEC 60601-1-8 priority, its state and when it was raised, last changed and cleared.
 *
 * Who raises here: the ingest (alarms devices send, and the hub's own technical alarms:
 * device offline, no data, flooding), the recorder (disk full, I/O errors, overflow, worker
 * failure), the case service (recording disk space) and the anatomy service (images that
 * cannot be loaded). Each raises and clears its own alarms directly; nobody calls back
 * through the hub. Every change is handed to the subscribers (the hub forwards it to its
 * sinks as `alarmsChanged`, which is how displays see alarms).
 *
 * Bounded: the history keeps the last HISTORY_MAX cleared alarms; callers bound what they
 * raise (the ingest at most 256 device alarms per device). All times are hub time (Unix ms
 * on the hub clock, main/hub/clock.ts).
 */
import { AlarmPriority } from '../../native-bridge/common/wire';

/** IEC 60601-1-8 alarm priority; 'info' is an information signal (devices may send one). */
export type AlarmLevel = 'high' | 'medium' | 'low' | 'info';
/** The wire's priority (AlarmPriority, what devices send and the recording stores) of each level, and back. */
export const PRIORITY_OF_LEVEL: Record<AlarmLevel, AlarmPriority> = {
  high: AlarmPriority.High,
  medium: AlarmPriority.Medium,
  low: AlarmPriority.Low,
  info: AlarmPriority.Info,
};
export const LEVEL_OF_PRIORITY = Object.fromEntries(Object.entries(PRIORITY_OF_LEVEL).map(([l, p]) => [p, l])) as Record<AlarmPriority, AlarmLevel>;
/** 'physiological': a condition of the patient a device reports; 'technical': of the equipment (hub, recorder, devices' links). */
export type AlarmKind = 'physiological' | 'technical';
export type AlarmStateName = 'active' | 'cleared';

/** Names one alarm: unique per (source, kind, code, channel). */
export interface AlarmRef {
  /** Who has the condition: a deviceId, or a hub service ('recorder', 'anatomy'). */
  source: string;
  kind: AlarmKind;
  /** The source's code for the condition (a device's numeric code, or e.g. 'REC_DISK_FULL', 'offline'). */
  code: string | number;
  /** Device channel index the condition belongs to; absent or -1: the whole source. */
  channel?: number;
}

export interface AlarmRaise extends AlarmRef {
  priority: AlarmLevel;
  text: string;
  /** Hub time the condition was (re)asserted. */
  tHubMs: number;
}

export interface AlarmEntry {
  /** Stable id: `SOURCE/tech/CODE` for technical alarms, `SOURCE/CODE/CHANNEL` (channel -1: none) for the others. */
  readonly key: string;
  readonly source: string;
  readonly kind: AlarmKind;
  readonly code: string;
  /** Device channel index, or -1 for the whole source. */
  readonly channel: number;
  readonly priority: AlarmLevel;
  readonly state: AlarmStateName;
  readonly text: string;
  /** Hub time this alarm became active (start of this episode). */
  readonly raisedHubMs: number;
  /** Hub time of the last raise that changed its text or priority (the display's `sinceHubMs`). */
  readonly updatedHubMs: number;
  /** Hub time it was cleared; null while active. */
  readonly clearedHubMs: number | null;
}

export type AlarmListener = (changed: AlarmEntry, active: readonly AlarmEntry[]) => void;

const HISTORY_MAX = 1000;

/** The key of an alarm (see AlarmEntry.key). */
export function alarmKey(r: AlarmRef): string {
  return r.kind === 'technical' ? `${r.source}/tech/${r.code}` : `${r.source}/${r.code}/${r.channel ?? -1}`;
}

export class AlarmBoard {
  private readonly live = new Map<string, AlarmEntry>();
  private readonly cleared: AlarmEntry[] = [];
  /** Active alarms per `kind\0source`. */
  private readonly counts = new Map<string, number>();
  private readonly listeners: AlarmListener[] = [];
  private activeList: readonly AlarmEntry[] | null = [];

  /** @param onListenerError  where a throwing subscriber is reported (it never reaches the raiser). */
  constructor(private readonly onListenerError: (e: unknown) => void = (e) => console.error(`alarm board: subscriber failed: ${String(e)}`)) {}

  /** Calls `fn` after every change; returns the unsubscribe function. */
  subscribe(fn: AlarmListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Raises an alarm, or updates an active one whose text or priority changed (its onset stays).
   * Returns false when nothing changed (already active with the same text and priority).
   */
  raise(r: AlarmRaise): boolean {
    const key = alarmKey(r);
    const old = this.live.get(key);
    if (old && old.text === r.text && old.priority === r.priority) return false;
    const entry: AlarmEntry = {
      key,
      source: r.source,
      kind: r.kind,
      code: String(r.code),
      channel: r.channel ?? -1,
      priority: r.priority,
      state: 'active',
      text: r.text,
      raisedHubMs: old ? old.raisedHubMs : r.tHubMs,
      updatedHubMs: r.tHubMs,
      clearedHubMs: null,
    };
    if (!old) this.count(r, 1);
    this.live.set(key, entry);
    this.changed(entry);
    return true;
  }

  /** Clears an active alarm; returns false when it was not active. */
  clear(r: AlarmRef, tHubMs: number): boolean {
    const key = alarmKey(r);
    const old = this.live.get(key);
    if (!old) return false;
    this.live.delete(key);
    this.count(r, -1);
    const entry: AlarmEntry = { ...old, state: 'cleared', clearedHubMs: tHubMs };
    this.cleared.push(entry);
    if (this.cleared.length > HISTORY_MAX) this.cleared.shift();
    this.changed(entry);
    return true;
  }

  isActive(r: AlarmRef): boolean {
    return this.live.has(alarmKey(r));
  }

  /** Active alarms of one source and kind (e.g. a device's own alarms). */
  activeCount(source: string, kind: AlarmKind): number {
    return this.counts.get(`${kind}\u0000${source}`) ?? 0;
  }

  /** Active alarms, in the order they were first raised. */
  active(): readonly AlarmEntry[] {
    return (this.activeList ??= [...this.live.values()]);
  }

  /** The last cleared alarms, oldest first. */
  history(): readonly AlarmEntry[] {
    return this.cleared;
  }

  private count(r: AlarmRef, d: number): void {
    const k = `${r.kind}\u0000${r.source}`;
    const n = (this.counts.get(k) ?? 0) + d;
    if (n > 0) this.counts.set(k, n);
    else this.counts.delete(k);
  }

  private changed(entry: AlarmEntry): void {
    this.activeList = null;
    const active = this.active();
    for (const fn of this.listeners) {
      try {
        fn(entry, active);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
