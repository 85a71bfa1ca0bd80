/**
 * The alarm engine's state machine: conditions (alarm-board entries, mapped by device-map.ts)
 * become alarms with IEC 60601-1-8 behaviour. One alarm per condition, whatever the number
 * of sources; latching for high-priority physiological alarms (the alarm stays after the
 * condition ends, until acknowledged); acknowledge, audio paused (for pauseMs) and alarm
 * off per alarm, each with who and when; escalation of a high alarm still unacknowledged
 * after escalateMs. Every state change is handed to the listeners as an AlarmChange (the
 * recorder records them; the display is sent the alarms). Pure: hub times are passed in.
 */
import type { AlarmActor, AlarmChangeView, AlarmEngineState } from '../../../common/display-contract';
import type { AlarmEntry, AlarmKind, AlarmLevel } from '../alarm-board';
import { COMBINED_CODE, isHubRule, type Condition } from './device-map';

export interface EngineTiming {
  /** How long "audio paused" lasts, ms (IEC 60601-1-8 suggests at most 2 min unless configured). */
  pauseMs: number;
  /** An unacknowledged high alarm escalates after this, ms. */
  escalateMs: number;
}

export const DEFAULT_TIMING: EngineTiming = { pauseMs: 120_000, escalateMs: 30_000 };

export type AlarmAction = AlarmChangeView['action'];

/** One state change of one alarm, as recorded (hub clock); the contract's AlarmChangeView. */
export type AlarmChange = AlarmChangeView;

const RANK: Record<AlarmLevel, number> = { high: 3, medium: 2, low: 1, info: 0 };

export class AlarmRecord {
  /** Active board entries of this condition, by board key. */
  readonly entries = new Map<string, AlarmEntry>();
  readonly sources = new Set<string>();
  readonly notes = new Set<string>();
  priority: AlarmLevel = 'info';
  text = '';
  conditionActive = true;
  latched = false;
  acknowledged: AlarmActor | null = null;
  audioPausedUntilHubMs: number | null = null;
  audioPausedBy: AlarmActor | null = null;
  off: AlarmActor | null = null;
  escalatedHubMs: number | null = null;
  updatedHubMs: number;

  constructor(
    readonly key: string,
    readonly kind: AlarmKind,
    readonly deviceId: string,
    readonly channel: number,
    readonly mdc: string[],
    readonly raisedHubMs: number,
  ) {
    this.updatedHubMs = raisedHubMs;
  }

  /** Recomputes priority (the highest source) and text (a context rule's, then the hub's limit, then a device's). */
  recompute(): boolean {
    const all = [...this.entries.values()];
    if (!all.length) return false;
    const order = (e: AlarmEntry) => (e.code === COMBINED_CODE ? 0 : isHubRule(e) ? 1 : 2);
    all.sort((a, b) => order(a) - order(b));
    const priority = all.reduce<AlarmLevel>((p, e) => (RANK[e.priority] > RANK[p] ? e.priority : p), 'info');
    const changed = priority !== this.priority || all[0].text !== this.text;
    this.priority = priority;
    this.text = all[0].text;
    for (const e of all) this.sources.add(isHubRule(e) ? (e.code === COMBINED_CODE ? 'hub (context)' : 'hub (limit)') : e.source);
    return changed;
  }

  engineState(): AlarmEngineState {
    return {
      sources: [...this.sources],
      notes: [...this.notes],
      mdc: this.mdc,
      conditionActive: this.conditionActive,
      latched: this.latched,
      acknowledged: this.acknowledged,
      audioPausedUntilHubMs: this.audioPausedUntilHubMs,
      audioPausedBy: this.audioPausedBy,
      off: this.off,
      escalatedHubMs: this.escalatedHubMs,
    };
  }
}

export class AlarmActionError extends Error {
  override name = 'AlarmActionError';
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

export class AlarmRecords {
  readonly live = new Map<string, AlarmRecord>();
  /** Alarm off persists for a condition across episodes until switched on again. */
  private readonly offKeys = new Map<string, AlarmActor>();

  constructor(
    private readonly timing: EngineTiming,
    private readonly emit: (c: AlarmChange, r: AlarmRecord) => void,
  ) {}

  /** A board entry of `cond` was raised, changed or cleared. `mdc`: the channels it concerns. */
  entry(e: AlarmEntry, cond: Condition, mdc: string[], tMs: number): void {
    let rec = this.live.get(cond.id);
    if (e.state === 'active') {
      let action: AlarmAction | null = null;
      if (!rec) {
        rec = new AlarmRecord(cond.id, cond.kind, e.source, e.channel, mdc, tMs);
        rec.off = this.offKeys.get(cond.id) ?? null;
        this.live.set(cond.id, rec);
        action = 'raised';
      } else if (!rec.conditionActive) {
        rec.conditionActive = true;
        rec.latched = false;
        action = 'updated';
      }
      rec.entries.set(e.key, e);
      if (rec.recompute() && !action) action = 'updated';
      if (action) this.change(action, rec, '', tMs);
      return;
    }
    if (!rec || !rec.entries.delete(e.key)) return;
    if (rec.entries.size) {
      if (rec.recompute()) this.change('updated', rec, '', tMs);
      return;
    }
    if (rec.kind === 'physiological' && rec.priority === 'high' && !rec.acknowledged) {
      rec.conditionActive = false;
      rec.latched = true;
      this.change('latched', rec, '', tMs);
    } else this.remove(rec, tMs);
  }

  /** Adds or removes a context note; true when it changed. */
  note(rec: AlarmRecord, note: string, on: boolean, tMs: number): boolean {
    if (on === rec.notes.has(note)) return false;
    if (on) rec.notes.add(note);
    else rec.notes.delete(note);
    this.change('updated', rec, '', tMs);
    return true;
  }

  acknowledge(key: string, who: string, tMs: number): AlarmRecord {
    const rec = this.get(key, who);
    if (rec.acknowledged) return rec;
    rec.acknowledged = { who, atHubMs: tMs };
    this.change('acknowledged', rec, who, tMs);
    if (!rec.conditionActive) this.remove(rec, tMs);
    return rec;
  }

  pauseAudio(key: string, who: string, tMs: number): AlarmRecord {
    const rec = this.get(key, who);
    rec.audioPausedUntilHubMs = tMs + this.timing.pauseMs;
    rec.audioPausedBy = { who, atHubMs: tMs };
    this.change('audio-paused', rec, who, tMs);
    return rec;
  }

  setOff(key: string, off: boolean, who: string, tMs: number): AlarmRecord {
    const rec = this.get(key, who);
    if (off === (rec.off !== null)) return rec;
    rec.off = off ? { who, atHubMs: tMs } : null;
    if (rec.off) this.offKeys.set(key, rec.off);
    else this.offKeys.delete(key);
    this.change(off ? 'off' : 'on', rec, who, tMs);
    return rec;
  }

  /** Audio pause expiry and escalation. */
  tick(tMs: number): void {
    for (const rec of this.live.values()) {
      if (rec.audioPausedUntilHubMs !== null && tMs >= rec.audioPausedUntilHubMs) {
        rec.audioPausedUntilHubMs = null;
        rec.audioPausedBy = null;
        this.change('audio-resumed', rec, '', tMs);
      }
      if (rec.priority === 'high' && !rec.acknowledged && !rec.off && rec.escalatedHubMs === null && tMs - rec.raisedHubMs >= this.timing.escalateMs) {
        rec.escalatedHubMs = tMs;
        this.change('escalated', rec, '', tMs);
      }
    }
  }

  private get(key: string, who: string): AlarmRecord {
    if (typeof who !== 'string' || !who.trim()) throw new AlarmActionError('alarm action: who acts must be given', 400);
    const rec = this.live.get(key);
    if (!rec) throw new AlarmActionError(`alarm action: no active alarm ${key}`, 404);
    return rec;
  }

  private remove(rec: AlarmRecord, tMs: number): void {
    this.live.delete(rec.key);
    this.change('cleared', rec, '', tMs);
  }

  private change(action: AlarmAction, rec: AlarmRecord, who: string, tMs: number): void {
    rec.updatedHubMs = tMs;
    this.emit(
      {
        action,
        key: rec.key,
        kind: rec.kind,
        priority: rec.priority,
        text: rec.text,
        deviceId: rec.deviceId,
        channel: rec.channel,
        sources: [...rec.sources],
        notes: [...rec.notes],
        who,
        tHubMs: tMs,
      },
      rec,
    );
  }
}
