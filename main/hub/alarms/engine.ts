/**
 * The hub's alarm engine (docs/alarms.md). A sink of the hub's event stream: its rules read
 * numerics, waves, poses, events, gaps and device status, and raise their conditions on the
 * alarm board (limit-rule, technical-rules, the context rules); every board change (those
 * of the ingest, the recorder and the services too) becomes an alarm of the state machine
 * (state.ts), with context notes added, never hiding or lowering a high alarm. tick() runs
 * the timed parts (pause expiry, escalation, gap hold, pulse confirmation).
 *
 * Clock: `now` (hub clock, Unix ms; tests inject one). Nothing here throws into the hub:
 * the hub calls sinks through its fault guard, and the rules never throw on odd values.
 */
import type { AlarmItem } from '../../../common/display-contract';
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { NUM_STATUS_INVALID } from '../../../native-bridge/common/wire';
import type { AlarmBoard, AlarmEntry } from '../alarm-board';
import type { DeviceLinkState, DeviceStatus, GapRecord, HubSink, WaveBlock } from '../sink';
import { COMBINED_CODE, conditionOf } from './device-map';
import { ESU_NOTE, EsuContext, isEcgDerived } from './esu-context';
import { InsufflationContext } from './insufflation-context';
import { LimitRule } from './limit-rule';
import { LimitTable, type LimitPatch } from './limits';
import { needsPulseConfirmation, PULSE_MDC, PULSE_NOTE, PulseTracker, pulseFloor } from './pulse-context';
import { AlarmRecords, DEFAULT_TIMING, type AlarmChange, type AlarmRecord, type EngineTiming } from './state';
import { clockRule, GapRule, QualityRule, TRACKING_DELAY_MS, TRACKING_MIN_QUALITY, QUALITY_DELAY_MS } from './technical-rules';

export interface EngineOptions {
  board: AlarmBoard;
  now: () => number;
  timing?: Partial<EngineTiming>;
  limits?: LimitTable;
  /** Where a failing rule is reported (default: stderr). */
  onError?: (e: unknown) => void;
}

type ChannelInfo = { mdc: string; label: string; range?: [number, number] };
export type ChangeListener = (c: AlarmChange, rec: AlarmRecord) => void;
const HISTORY_MAX = 2000;

export class AlarmEngine implements HubSink {
  readonly limits: LimitTable;
  readonly timing: EngineTiming;
  private readonly records: AlarmRecords;
  private readonly board: AlarmBoard;
  private readonly now: () => number;
  private readonly onError: (e: unknown) => void;
  private readonly channels = new Map<string, Map<number, ChannelInfo>>();
  private readonly models = new Map<string, string>();
  private readonly limitRules = new Map<string, LimitRule>();
  private readonly pulses = new Map<string, PulseTracker>();
  private readonly esu = new EsuContext();
  private readonly insufflation = new InsufflationContext();
  private iap: { deviceId: string; channel: number } | null = null;
  private readonly gaps = new GapRule();
  private readonly quality = new QualityRule();
  private readonly ecgQuality = new Set<string>();
  private readonly listeners: ChangeListener[] = [];
  private readonly log: AlarmChange[] = [];
  /** CPU time spent in the engine (its sink methods and tick), ms: the alarms benchmark reads it. */
  cpuMs = 0;

  constructor(opts: EngineOptions) {
    this.board = opts.board;
    this.now = opts.now;
    this.onError = opts.onError ?? ((e) => console.error(`alarm engine: a rule failed: ${(e as Error).stack ?? String(e)}`));
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.limits = opts.limits ?? new LimitTable();
    this.records = new AlarmRecords(this.timing, (c, r) => {
      this.log.push(c);
      if (this.log.length > HISTORY_MAX) this.log.shift();
      for (const l of this.listeners) l(c, r);
    });
    for (const e of this.board.active()) this.alarmsChanged(e);
  }

  /** Calls `fn` with every alarm state change; returns the unsubscribe function. */
  onChange(fn: ChangeListener): () => void {
    this.listeners.push(fn);
    return () => void this.listeners.splice(this.listeners.indexOf(fn) >>> 0, 1);
  }

  /** Every alarm of the engine (active or latched), as the display shows it. */
  items(streamIdOf: (deviceId: string, channel: number) => number | undefined): AlarmItem[] {
    return [...this.records.live.values()].map((r) => ({
      alarmId: r.key,
      deviceId: r.deviceId,
      streamId: r.channel >= 0 ? (streamIdOf(r.deviceId, r.channel) ?? null) : null,
      priority: r.priority,
      active: true,
      text: r.text,
      source: r.kind,
      sinceHubMs: r.raisedHubMs,
      engine: r.engineState(),
    }));
  }

  /** The last alarm state changes, oldest first (the alarm history). */
  history(): readonly AlarmChange[] {
    return this.log;
  }

  acknowledge(key: string, who: string): AlarmRecord {
    return this.timed(() => this.records.acknowledge(key, who, this.now()));
  }

  pauseAudio(key: string, who: string): AlarmRecord {
    return this.timed(() => this.records.pauseAudio(key, who, this.now()));
  }

  setOff(key: string, off: boolean, who: string): AlarmRecord {
    return this.timed(() => this.records.setOff(key, off, who, this.now()));
  }

  /** Changes one channel's limits (LimitError on bad input); recorded as a 'limit-changed' change. */
  setLimits(mdc: string, patch: LimitPatch, who: string): void {
    const t = this.now();
    const s = this.limits.set(mdc, patch, { who, atHubMs: t });
    const extreme = `${s.extremeLow ?? '-'}/${s.extremeHigh ?? '-'}`;
    const text = `${s.label} limits: low ${s.low ?? '-'} high ${s.high ?? '-'} (extreme ${extreme}) ${s.unit}, delay ${s.delayS} s`;
    const c: AlarmChange = {
      action: 'limit-changed',
      key: `limits/${mdc}`,
      kind: 'physiological',
      priority: s.priority,
      text,
      deviceId: 'hub',
      channel: -1,
      sources: [],
      notes: [],
      who,
      tHubMs: t,
    };
    this.log.push(c);
    for (const l of this.listeners) l(c, null as unknown as AlarmRecord);
  }

  // ------------------------------------------------------------ sink

  deviceOnline(desc: DeviceDescriptor): void {
    this.models.set(desc.deviceId, desc.model);
    this.channels.set(desc.deviceId, new Map(desc.channels.map((c) => [c.index, { mdc: c.mdc, label: c.label, range: c.range }])));
  }

  deviceState(deviceId: string, state: DeviceLinkState, tHubMs: number): void {
    if (state === 'offline') this.esu.deviceGone(deviceId, tHubMs);
  }

  deviceChanged(s: DeviceStatus): void {
    if (!this.channels.has(s.desc.deviceId)) this.deviceOnline(s.desc);
    this.guarded(() => clockRule(this.board, s.desc.deviceId, s.desc.model, s.sync, s.state === 'online', this.now()));
  }

  alarmsChanged(e: AlarmEntry): void {
    this.guarded(() => {
      const cond = conditionOf(e);
      const mdc = cond.id.endsWith('/asystole') ? ['MDC_ECG_HEART_RATE', 'MDC_ECG_ELEC_POTL_II'] : this.mdcOf(e.source, e.channel);
      this.records.entry(e, cond, mdc, this.now());
      const rec = this.records.live.get(cond.id);
      if (rec) this.context(rec, this.now());
    });
  }

  numeric(deviceId: string, channel: number, tHubMs: number, value: number, status: number): void {
    this.guarded(() => {
      const info = this.channels.get(deviceId)?.get(channel);
      if (!info) return;
      const invalid = (status & NUM_STATUS_INVALID) !== 0;
      const spec = this.limits.get(info.mdc);
      if (spec) {
        const k = `${deviceId}\u0000${channel}`;
        let rule = this.limitRules.get(k);
        if (!rule) this.limitRules.set(k, (rule = new LimitRule()));
        const v = rule.update(spec, value, tHubMs, invalid);
        const ref = (dir: string) => ({ source: deviceId, kind: 'physiological' as const, code: `limit-${dir}`, channel });
        for (const dir of ['low', 'high']) if (v?.dir !== dir) this.board.clear(ref(dir), tHubMs);
        if (v) this.board.raise({ ...ref(v.dir), priority: v.priority, text: v.text, tHubMs });
        this.quality.update(
          this.board,
          deviceId,
          `signal-${channel}`,
          invalid,
          tHubMs,
          QUALITY_DELAY_MS,
          'low',
          `${info.label}: signal quality lost (values invalid)`,
        );
      }
      if (invalid) return;
      if (info.mdc === 'MDC_AWAY_CO2_ET') this.insufflation.etco2.push(tHubMs, value);
      else if (info.mdc === 'MDC_PRESS_AWAY_INSP_PEAK') this.insufflation.paw.push(tHubMs, value);
      else if (info.mdc === 'MDC_INSUF_PRESS') this.iap = { deviceId, channel };
      else return;
      this.combined(tHubMs);
    });
  }

  wave(b: WaveBlock): void {
    const info = this.channels.get(b.deviceId)?.get(b.channel);
    if (!info || !(PULSE_MDC as readonly string[]).includes(info.mdc)) return;
    this.guarded(() => {
      const k = `${b.deviceId}\u0000${b.channel}`;
      let p = this.pulses.get(k);
      if (!p) this.pulses.set(k, (p = new PulseTracker(pulseFloor(info.mdc, info.range))));
      p.push(b.raw, b.t0HubMs, b.rateHz, b.scale, b.offset);
    });
  }

  pose(deviceId: string, channel: number, tHubMs: number, quality: number, status: number, _matrix?: Float32Array): void {
    this.guarded(() => {
      const label = this.channels.get(deviceId)?.get(channel)?.label ?? `channel ${channel}`;
      const bad = status !== 0 || !(quality >= TRACKING_MIN_QUALITY);
      this.quality.update(this.board, deviceId, `tracking-${channel}`, bad, tHubMs, TRACKING_DELAY_MS, 'medium', `${label}: tracking quality lost`);
    });
  }

  event(deviceId: string, _channel: number, tHubMs: number, code: string, _text?: string): void {
    this.guarded(() => {
      if (!this.esu.event(deviceId, code, tHubMs)) return;
      for (const rec of this.records.live.values()) this.context(rec, tHubMs);
    });
  }

  gap(g: GapRecord): void {
    if (g.reason === 'sequence' && g.lostFrames > 0) this.guarded(() => this.gaps.gap(this.board, g.deviceId, g.lostFrames, this.now()));
  }

  setting(): void {}
  alarm(): void {}

  /** Pause expiry, escalation, gap hold, context (the hub's alarm loop calls it every 100 ms). */
  tick(): void {
    this.guarded(() => {
      const t = this.now();
      this.records.tick(t);
      this.gaps.tick(this.board, t);
      for (const rec of [...this.records.live.values()]) this.context(rec, t);
      for (const dev of this.ecgQuality) {
        const rec = this.records.live.get(`${dev}/asystole`) ?? [...this.records.live.values()].find((r) => r.deviceId === dev && r.notes.has(PULSE_NOTE));
        if (!rec?.notes.has(PULSE_NOTE)) this.setEcgQuality(dev, false, t);
      }
    });
  }

  // ------------------------------------------------------------ context rules

  private context(rec: AlarmRecord, t: number): void {
    if (rec.mdc.some(isEcgDerived) && this.esu.interfering(t)) this.records.note(rec, ESU_NOTE, true, t);
    if (!needsPulseConfirmation(rec.key, rec.mdc, rec.priority) || !rec.conditionActive) return;
    const pulsatile = [...this.pulses.values()].some((p) => p.pulsatile(t));
    this.records.note(rec, PULSE_NOTE, pulsatile, t);
    this.setEcgQuality(rec.deviceId, pulsatile, t);
  }

  private setEcgQuality(deviceId: string, on: boolean, t: number): void {
    const ref = { source: deviceId, kind: 'technical' as const, code: 'ecg-quality' };
    if (on) {
      this.ecgQuality.add(deviceId);
      const model = this.models.get(deviceId) ?? deviceId;
      this.board.raise({ ...ref, priority: 'medium', text: `${model}: ECG signal quality: asystole/bradycardia not confirmed by pulse`, tHubMs: t });
    } else {
      this.ecgQuality.delete(deviceId);
      this.board.clear(ref, t);
    }
  }

  private combined(t: number): void {
    if (!this.iap) return;
    const { deviceId, channel } = this.iap;
    const over = this.board.isActive({ source: deviceId, kind: 'physiological', code: 'limit-high', channel });
    const text = this.insufflation.combined(over);
    const ref = { source: deviceId, kind: 'physiological' as const, code: COMBINED_CODE, channel };
    if (text) this.board.raise({ ...ref, priority: 'high', text, tHubMs: t });
    else this.board.clear(ref, t);
  }

  private mdcOf(deviceId: string, channel: number): string[] {
    const m = this.channels.get(deviceId)?.get(channel)?.mdc;
    return m ? [m] : [];
  }

  private depth = 0;
  /** Sink calls that threw (a bug): counted and reported, never passed on to the hub's other sinks. */
  failures = 0;

  /** A sink method: timed, and a throw is reported instead of reaching the ingest (the other sinks still get the frame). */
  private guarded(fn: () => void): void {
    try {
      this.timed(fn);
    } catch (e) {
      this.failures++;
      this.onError(e);
    }
  }

  /** Runs fn, adding its CPU time to cpuMs (once, however deeply the board calls back into the engine). */
  private timed<T>(fn: () => T): T {
    if (this.depth++ > 0) {
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.depth--;
      this.cpuMs += performance.now() - t0;
    }
  }
}
