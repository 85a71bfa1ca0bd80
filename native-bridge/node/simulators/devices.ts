/**
 * The built-in simulated operating room. Each device is its own ZeroMQ peer (its own
 * DeviceClient and DEALER socket), exactly as a real device adapter would be.
 */
import type { ChannelDescriptor, DeviceDescriptor, DeviceKind } from '../../common/descriptor';
import { MDC, type MdcTerm } from '../../common/mdc';
import { AlarmPriority, AlarmState, NUM_STATUS_DEMO, type NumericEntry, type PoseEntry } from '../../common/wire';
import { Patient, DEFAULT_PATIENT, gauss, rng } from '../../common/sim/physiology';
import { trackerPath } from '../../common/sim/tracker-path';
import { DeviceClient, type CurveClientKeys } from '../device-client';

export const SIM_DEVICE_NAMES = ['monitor', 'anaesthesia', 'pump1', 'pump2', 'esu', 'insufflator', 'lab', 'tracker'] as const;
export type SimDeviceName = (typeof SIM_DEVICE_NAMES)[number];

export interface SimOptions {
  endpoint: string;
  /** Simulated time runs this many times faster than real time. */
  speed?: number;
  /** Device clock offset from true time, ms (tests of clock sync). */
  clockOffsetMs?: number;
  /** Device clock drift, ppm (tests of clock sync). */
  driftPpm?: number;
  /** Suffix to make device ids unique when several ORs are simulated (benchmarks). */
  idSuffix?: string;
  curve?: CurveClientKeys;
  heartbeatMs?: number;
  seed?: number;
  /** Tests: random extra delivery delay per frame, 0..jitterMs (see DeviceClientOptions.jitterMs). */
  jitterMs?: number;
  /**
   * Patient scenario (monitor): 'tachy-desat' drives the patient into tachycardia (HR 165 from
   * 5 s) and desaturation (SpO2 towards 86 % from 8 s) and keeps them there; default 'none'.
   */
  scenario?: 'none' | 'tachy-desat';
  /** See DeviceClientOptions.dataChannel / dataEndpoint. */
  dataChannel?: boolean;
  dataEndpoint?: string;
}

const TICK_MS = 40;

function ch(index: number, kind: ChannelDescriptor['kind'], t: MdcTerm, extra: Partial<ChannelDescriptor> = {}): ChannelDescriptor {
  return { index, kind, mdc: t.mdc, code: t.code, label: t.label, unit: t.unit, ...extra };
}

/** Base class: owns the client, the simulated clock and the tick loop. */
export abstract class SimDevice {
  readonly client: DeviceClient;
  protected readonly speed: number;
  private timer: NodeJS.Timeout | undefined;
  /** Real time at start (ms, monotonic). */
  private readonly realStart = performance.now();
  /** Device clock at start: wall clock + injected offset. */
  private readonly deviceStart: number;
  private readonly driftFactor: number;
  protected readonly u: () => number;

  constructor(
    protected readonly opts: SimOptions,
    kind: DeviceKind,
    deviceId: string,
    model: string,
    channels: ChannelDescriptor[],
  ) {
    this.speed = opts.speed ?? 1;
    this.driftFactor = 1 + (opts.driftPpm ?? 0) * 1e-6;
    this.deviceStart = performance.timeOrigin + this.realStart + (opts.clockOffsetMs ?? 0);
    this.u = rng((opts.seed ?? 7) + deviceId.length * 977);
    const descriptor: DeviceDescriptor = {
      protocol: 1,
      deviceId: deviceId + (opts.idSuffix ?? ''),
      kind,
      manufacturer: 'OR Hub simulator',
      model,
      serial: `SIM-${deviceId}`,
      heartbeatMs: opts.heartbeatMs ?? 1000,
      channels,
    };
    this.client = new DeviceClient({ endpoint: opts.endpoint, descriptor, clock: () => this.deviceNow(), curve: opts.curve, jitterMs: opts.jitterMs, dataChannel: opts.dataChannel, dataEndpoint: opts.dataEndpoint });
  }

  /** Device clock, ms: runs `speed` times faster than real time, with injected offset and drift. */
  deviceNow(): number {
    return this.deviceStart + (performance.now() - this.realStart) * this.speed * this.driftFactor;
  }

  /**
   * Tests: the true time (this process's performance.timeOrigin + performance.now() clock, ms)
   * at which the device clock read `deviceMs` — what a perfectly synchronised hub would say.
   */
  trueTimeOf(deviceMs: number): number {
    return performance.timeOrigin + this.realStart + (deviceMs - this.deviceStart) / (this.speed * this.driftFactor);
  }

  /** Simulated seconds since start. */
  protected simSeconds(deviceMs: number): number {
    return (deviceMs - this.deviceStart) / 1000;
  }

  /** Device time (ms) of simulated second s. */
  protected deviceMsAt(s: number): number {
    return this.deviceStart + s * 1000;
  }

  start(): void {
    this.client.start();
    this.timer = setInterval(() => this.tick(this.deviceNow()), TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.client.stop();
  }

  protected abstract tick(nowDeviceMs: number): void;
}

/** Emits uniformly sampled channels in batches: everything due up to `now`. */
class WaveEmitter {
  private produced = 0;
  constructor(
    private readonly channel: number,
    private readonly rateHz: number,
    private readonly scale: number,
    private readonly fn: (tSec: number) => number,
  ) {}

  emit(dev: SimDevice, simNow: number, toDeviceMs: (s: number) => number): void {
    const due = Math.floor(simNow * this.rateHz);
    let n = due - this.produced;
    if (n <= 0) return;
    while (n > 0) {
      const count = Math.min(n, 4096);
      const out = new Int16Array(count);
      const first = this.produced;
      for (let i = 0; i < count; i++) {
        const v = Math.round(this.fn((first + i) / this.rateHz) / this.scale);
        out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      dev.client.sendWave(this.channel, toDeviceMs(first / this.rateHz), out);
      this.produced += count;
      n -= count;
    }
  }
}

/** Emits a set of numerics every `periodS` simulated seconds. */
class Periodic {
  private next = 0;
  constructor(private readonly periodS: number) {}
  due(simNow: number): boolean {
    if (simNow < this.next) return false;
    this.next = Math.max(this.next + this.periodS, simNow);
    return true;
  }
}

// ---------------------------------------------------------------- patient monitor

export const MONITOR_CH = {
  ECG: 0, PLETH: 1, ABP: 2, CO2: 3,
  HR: 10, SPO2: 11, PR: 12, ABP_SYS: 13, ABP_DIA: 14, ABP_MEAN: 15, NIBP_SYS: 16, NIBP_DIA: 17, NIBP_MEAN: 18, ETCO2: 19, RESP_RATE: 20, TEMP: 21,
} as const;

export class SimMonitor extends SimDevice {
  readonly patient: Patient;
  private readonly waves: WaveEmitter[];
  private readonly numerics = new Periodic(1);
  private readonly nibp = new Periodic(180);
  private spo2 = 98;
  private temp = 36.6;
  private desatUntil = -1;
  private nextDesat = 240;
  private alarmActive = false;
  private tachycardic = false;

  constructor(opts: SimOptions) {
    super(opts, 'patient-monitor', 'sim-monitor-01', 'SimMonitor MX', [
      ch(MONITOR_CH.ECG, 'wave', MDC.ECG_II, { rateHz: 500, format: 'i16', scale: 0.005, offset: 0, range: [-5, 5] }),
      ch(MONITOR_CH.PLETH, 'wave', MDC.PLETH, { rateHz: 125, format: 'i16', scale: 0.001, offset: 0, range: [0, 1] }),
      ch(MONITOR_CH.ABP, 'wave', MDC.ABP, { rateHz: 125, format: 'i16', scale: 0.01, offset: 0, range: [0, 300] }),
      ch(MONITOR_CH.CO2, 'wave', MDC.CO2_WAVE, { rateHz: 62.5, format: 'i16', scale: 0.01, offset: 0, range: [0, 100] }),
      ch(MONITOR_CH.HR, 'numeric', MDC.HR, { range: [20, 300] }),
      ch(MONITOR_CH.SPO2, 'numeric', MDC.SPO2, { range: [0, 100] }),
      ch(MONITOR_CH.PR, 'numeric', MDC.PR, { range: [20, 300] }),
      ch(MONITOR_CH.ABP_SYS, 'numeric', MDC.ABP_SYS, { range: [0, 300] }),
      ch(MONITOR_CH.ABP_DIA, 'numeric', MDC.ABP_DIA, { range: [0, 300] }),
      ch(MONITOR_CH.ABP_MEAN, 'numeric', MDC.ABP_MEAN, { range: [0, 300] }),
      ch(MONITOR_CH.NIBP_SYS, 'numeric', MDC.NIBP_SYS, { range: [0, 300] }),
      ch(MONITOR_CH.NIBP_DIA, 'numeric', MDC.NIBP_DIA, { range: [0, 300] }),
      ch(MONITOR_CH.NIBP_MEAN, 'numeric', MDC.NIBP_MEAN, { range: [0, 300] }),
      ch(MONITOR_CH.ETCO2, 'numeric', MDC.ETCO2, { range: [0, 100] }),
      ch(MONITOR_CH.RESP_RATE, 'numeric', MDC.RESP_RATE, { range: [0, 100] }),
      ch(MONITOR_CH.TEMP, 'numeric', MDC.TEMP, { range: [25, 45] }),
    ]);
    this.patient = new Patient({ ...DEFAULT_PATIENT, seed: opts.seed ?? DEFAULT_PATIENT.seed });
    const p = this.patient;
    // Order matters: the patient model is queried with non-decreasing times per tick.
    this.waves = [
      new WaveEmitter(MONITOR_CH.ECG, 500, 0.005, (t) => p.ecg(t)),
      new WaveEmitter(MONITOR_CH.PLETH, 125, 0.001, (t) => p.pleth(t)),
      new WaveEmitter(MONITOR_CH.ABP, 125, 0.01, (t) => p.abp(t)),
      new WaveEmitter(MONITOR_CH.CO2, 62.5, 0.01, (t) => p.co2(t)),
    ];
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    const toDev = (x: number) => this.deviceMsAt(x);
    for (const w of this.waves) w.emit(this, s, toDev);
    if (this.numerics.due(s)) {
      const scenario = this.opts.scenario === 'tachy-desat';
      if (scenario && s >= 5 && !this.tachycardic) {
        this.tachycardic = true;
        this.patient.setHeartRateTarget(165);
      }
      if (s > this.nextDesat && this.desatUntil < 0) this.desatUntil = s + 35;
      const target = scenario && s >= 8 ? 86 : this.desatUntil > s ? 87 : 98;
      if (this.desatUntil > 0 && this.desatUntil <= s) {
        this.desatUntil = -1;
        this.nextDesat = s + 240 + this.u() * 240;
      }
      this.spo2 += (target - this.spo2) * 0.25 + gauss(this.u) * 0.2;
      this.temp += gauss(this.u) * 0.005 + (36.6 - this.temp) * 0.01;
      const p = this.patient;
      const abp = p.abpNumerics();
      const hr = p.heartRate();
      const spo2 = Math.min(100, Math.round(this.spo2));
      const n = (channel: number, value: number): NumericEntry => ({ channel, value, tMs: now, status: NUM_STATUS_DEMO });
      const entries = [
        n(MONITOR_CH.HR, Math.round(hr)),
        n(MONITOR_CH.SPO2, spo2),
        n(MONITOR_CH.PR, Math.round(hr)),
        n(MONITOR_CH.ABP_SYS, Math.round(abp.sys)),
        n(MONITOR_CH.ABP_DIA, Math.round(abp.dia)),
        n(MONITOR_CH.ABP_MEAN, Math.round(abp.mean)),
        n(MONITOR_CH.ETCO2, Math.round(p.etco2())),
        n(MONITOR_CH.RESP_RATE, Math.round(p.respRate())),
        n(MONITOR_CH.TEMP, Math.round(this.temp * 10) / 10),
      ];
      if (this.nibp.due(s)) {
        const sys = Math.round(abp.sys - 4 + gauss(this.u) * 2);
        const dia = Math.round(abp.dia + 2 + gauss(this.u) * 2);
        entries.push(n(MONITOR_CH.NIBP_SYS, sys), n(MONITOR_CH.NIBP_DIA, dia), n(MONITOR_CH.NIBP_MEAN, Math.round(dia + (sys - dia) / 3)));
      }
      this.client.sendNumerics(entries);
      const low = spo2 < 90;
      if (low !== this.alarmActive) {
        this.alarmActive = low;
        this.client.sendAlarm({ tMs: now, channel: MONITOR_CH.SPO2, priority: AlarmPriority.Medium, state: low ? AlarmState.Active : AlarmState.Ended, code: 1001, text: 'SpO2 LOW' });
      }
    }
  }
}

// ---------------------------------------------------------------- anaesthesia machine

const ANA = { PAW: 0, FLOW: 1, FIO2: 10, ETO2: 11, ETAGENT: 12, MAC: 13, TV: 14, PEEP: 15, PPEAK: 16, RR: 17, S_TV: 30, S_PEEP: 31, S_RR: 32, S_FIO2: 33, S_AGENT: 34 } as const;

export class SimAnaesthesia extends SimDevice {
  private tv = 450;
  private peep = 5;
  private rr = 12;
  private fio2 = 50;
  private agent = 2.0;
  private etAgent = 1.8;
  private readonly numerics = new Periodic(1);
  private readonly settings = new Periodic(150);
  private readonly waves: WaveEmitter[];
  private sentSettings = false;

  constructor(opts: SimOptions) {
    super(opts, 'anaesthesia-machine', 'sim-anaesthesia-01', 'SimVent A7', [
      ch(ANA.PAW, 'wave', MDC.AWAY_PRESS, { rateHz: 62.5, format: 'i16', scale: 0.1, offset: 0, range: [-20, 80] }),
      ch(ANA.FLOW, 'wave', MDC.AWAY_FLOW, { rateHz: 62.5, format: 'i16', scale: 0.1, offset: 0, range: [-120, 120] }),
      ch(ANA.FIO2, 'numeric', MDC.FIO2, { range: [18, 100] }),
      ch(ANA.ETO2, 'numeric', MDC.ETO2, { range: [0, 100] }),
      ch(ANA.ETAGENT, 'numeric', MDC.ET_AGENT, { range: [0, 8] }),
      ch(ANA.MAC, 'numeric', MDC.MAC, { range: [0, 3] }),
      ch(ANA.TV, 'numeric', MDC.TIDAL_VOL, { range: [0, 2000] }),
      ch(ANA.PEEP, 'numeric', MDC.PEEP, { range: [0, 30] }),
      ch(ANA.PPEAK, 'numeric', MDC.PEAK_PRESS, { range: [0, 80] }),
      ch(ANA.RR, 'numeric', MDC.VENT_RATE, { range: [0, 60] }),
      ch(ANA.S_TV, 'setting', MDC.SET_TIDAL_VOL),
      ch(ANA.S_PEEP, 'setting', MDC.SET_PEEP),
      ch(ANA.S_RR, 'setting', MDC.SET_VENT_RATE),
      ch(ANA.S_FIO2, 'setting', MDC.SET_FIO2),
      ch(ANA.S_AGENT, 'setting', MDC.SET_AGENT),
    ]);
    const breath = (t: number) => {
      const period = 60 / this.rr;
      const d = t % period;
      const ti = period / 2.6;
      return { d, ti, period };
    };
    this.waves = [
      new WaveEmitter(ANA.PAW, 62.5, 0.1, (t) => {
        const { d, ti } = breath(t);
        const pk = this.peep + this.tv / 30;
        return d < ti ? this.peep + (pk - this.peep) * Math.min(1, d / (ti * 0.85)) : this.peep + (pk - this.peep) * Math.exp(-(d - ti) / 0.15);
      }),
      new WaveEmitter(ANA.FLOW, 62.5, 0.1, (t) => {
        const { d, ti } = breath(t);
        return d < ti ? (this.tv / 1000 / ti) * 60 : -((this.tv / 1000) * 60 / 0.45) * Math.exp(-(d - ti) / 0.45) * 0.45;
      }),
    ];
  }

  private sendSettings(now: number): void {
    const s = (channel: number, value: number, text = '') => this.client.sendSetting({ tMs: now, channel, value, text });
    s(ANA.S_TV, this.tv);
    s(ANA.S_PEEP, this.peep);
    s(ANA.S_RR, this.rr);
    s(ANA.S_FIO2, this.fio2);
    s(ANA.S_AGENT, this.agent, 'Sevoflurane');
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    for (const w of this.waves) w.emit(this, s, (x) => this.deviceMsAt(x));
    if (!this.sentSettings) {
      this.sentSettings = true;
      this.sendSettings(now);
    }
    if (s > 10 && this.settings.due(s)) {
      // A clinician adjusts the ventilator now and then.
      const pick = Math.floor(this.u() * 3);
      if (pick === 0) this.peep = this.peep === 5 ? 8 : 5;
      else if (pick === 1) this.tv = this.tv === 450 ? 500 : 450;
      else this.agent = this.agent === 2.0 ? 2.4 : 2.0;
      this.sendSettings(now);
    }
    if (this.numerics.due(s)) {
      this.etAgent += (this.agent * 0.9 - this.etAgent) * 0.05;
      const n = (channel: number, value: number): NumericEntry => ({ channel, value, tMs: now, status: NUM_STATUS_DEMO });
      this.client.sendNumerics([
        n(ANA.FIO2, this.fio2),
        n(ANA.ETO2, Math.round(this.fio2 - 5 + gauss(this.u))),
        n(ANA.ETAGENT, Math.round(this.etAgent * 10) / 10),
        n(ANA.MAC, Math.round((this.etAgent / 2.0) * 100) / 100),
        n(ANA.TV, Math.round(this.tv + gauss(this.u) * 6)),
        n(ANA.PEEP, this.peep),
        n(ANA.PPEAK, Math.round(this.peep + this.tv / 30 + gauss(this.u))),
        n(ANA.RR, this.rr),
      ]);
    }
  }
}

// ---------------------------------------------------------------- infusion pump

const PUMP = { RATE: 0, VOL: 1, S_DRUG: 10, S_RATE: 11 } as const;

export class SimPump extends SimDevice {
  private volume = 0;
  private lastS = 0;
  private occludedUntil = -1;
  private nextOcclusion: number;
  private readonly numerics = new Periodic(1);
  private readonly changes = new Periodic(120);
  private sentDrug = false;

  constructor(opts: SimOptions, n: 1 | 2, private readonly drug: string, private rate: number) {
    super(opts, 'infusion-pump', `sim-pump-0${n}`, 'SimInfuse S', [
      ch(PUMP.RATE, 'numeric', MDC.PUMP_RATE, { range: [0, 1200] }),
      ch(PUMP.VOL, 'numeric', MDC.PUMP_VOL_INFUSED, { range: [0, 10000] }),
      ch(PUMP.S_DRUG, 'text', MDC.PUMP_DRUG),
      ch(PUMP.S_RATE, 'setting', MDC.PUMP_RATE_SETTING),
    ]);
    this.nextOcclusion = 300 + n * 200;
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    if (!this.sentDrug) {
      this.sentDrug = true;
      this.client.sendSetting({ tMs: now, channel: PUMP.S_DRUG, value: 0, text: this.drug });
      this.client.sendSetting({ tMs: now, channel: PUMP.S_RATE, value: this.rate });
    }
    const occluded = this.occludedUntil > s;
    if (!occluded) this.volume += (this.rate / 3600) * (s - this.lastS);
    this.lastS = s;
    if (s > this.nextOcclusion && this.occludedUntil < 0) {
      this.occludedUntil = s + 20;
      this.client.sendAlarm({ tMs: now, channel: PUMP.RATE, priority: AlarmPriority.High, state: AlarmState.Active, code: 2001, text: 'OCCLUSION' });
    } else if (this.occludedUntil > 0 && this.occludedUntil <= s) {
      this.occludedUntil = -1;
      this.nextOcclusion = s + 600;
      this.client.sendAlarm({ tMs: now, channel: PUMP.RATE, priority: AlarmPriority.High, state: AlarmState.Ended, code: 2001, text: 'OCCLUSION' });
    }
    if (s > 30 && this.changes.due(s)) {
      this.rate = Math.max(1, Math.round(this.rate * (0.8 + this.u() * 0.4) * 10) / 10);
      this.client.sendSetting({ tMs: now, channel: PUMP.S_RATE, value: this.rate });
    }
    if (this.numerics.due(s)) {
      this.client.sendNumerics([
        { channel: PUMP.RATE, value: occluded ? 0 : this.rate, tMs: now, status: NUM_STATUS_DEMO },
        { channel: PUMP.VOL, value: Math.round(this.volume * 100) / 100, tMs: now, status: NUM_STATUS_DEMO },
      ]);
    }
  }
}

// ---------------------------------------------------------------- electrosurgical unit

const ESU = { ACTIVE: 0, S_MODE: 10, S_POWER: 11 } as const;

export class SimEsu extends SimDevice {
  private active = false;
  private nextToggle = 5;
  private mode = 'CUT';
  private power = 30;
  private readonly numerics = new Periodic(1);
  private sentSettings = false;

  constructor(opts: SimOptions) {
    super(opts, 'electrosurgical-unit', 'sim-esu-01', 'SimCut 300', [
      ch(ESU.ACTIVE, 'numeric', MDC.ESU_ACTIVE, { range: [0, 1] }),
      ch(ESU.S_MODE, 'text', MDC.ESU_MODE),
      ch(ESU.S_POWER, 'setting', MDC.ESU_POWER),
    ]);
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    if (!this.sentSettings) {
      this.sentSettings = true;
      this.client.sendSetting({ tMs: now, channel: ESU.S_MODE, value: 0, text: this.mode });
      this.client.sendSetting({ tMs: now, channel: ESU.S_POWER, value: this.power });
    }
    if (s >= this.nextToggle) {
      this.active = !this.active;
      this.nextToggle = s + (this.active ? 1 + this.u() * 3 : 10 + this.u() * 30);
      if (this.active && this.u() < 0.3) {
        this.mode = this.mode === 'CUT' ? 'COAG' : 'CUT';
        this.power = this.mode === 'CUT' ? 30 : 40;
        this.client.sendSetting({ tMs: now, channel: ESU.S_MODE, value: 0, text: this.mode });
        this.client.sendSetting({ tMs: now, channel: ESU.S_POWER, value: this.power });
      }
      this.client.sendEvent({ tMs: now, channel: ESU.ACTIVE, code: this.active ? 'ESU_ACTIVATION_START' : 'ESU_ACTIVATION_STOP', text: `${this.mode} ${this.power} W` });
    }
    if (this.numerics.due(s)) this.client.sendNumerics([{ channel: ESU.ACTIVE, value: this.active ? 1 : 0, tMs: now, status: NUM_STATUS_DEMO }]);
  }
}

// ---------------------------------------------------------------- insufflator

const INS = { PRESS: 0, FLOW: 1, VOL: 2, S_PRESS: 10 } as const;

export class SimInsufflator extends SimDevice {
  private press = 0;
  private vol = 0;
  private lastS = 0;
  private readonly set = 12;
  private readonly numerics = new Periodic(1);
  private sent = false;

  constructor(opts: SimOptions) {
    super(opts, 'insufflator', 'sim-insufflator-01', 'SimInsuff 40', [
      ch(INS.PRESS, 'numeric', MDC.INSUF_PRESS, { range: [0, 30] }),
      ch(INS.FLOW, 'numeric', MDC.INSUF_FLOW, { range: [0, 45] }),
      ch(INS.VOL, 'numeric', MDC.INSUF_VOL, { range: [0, 1000] }),
      ch(INS.S_PRESS, 'setting', MDC.INSUF_PRESS_SET),
    ]);
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    if (!this.sent) {
      this.sent = true;
      this.client.sendSetting({ tMs: now, channel: INS.S_PRESS, value: this.set });
    }
    if (this.numerics.due(s)) {
      const err = this.set - this.press;
      const flow = Math.max(0.2, Math.min(40, err * 4 + 0.8 + gauss(this.u) * 0.1));
      this.press += err * 0.2 + gauss(this.u) * 0.1;
      this.vol += (flow / 60) * (s - this.lastS);
      this.lastS = s;
      this.client.sendNumerics([
        { channel: INS.PRESS, value: Math.round(this.press * 10) / 10, tMs: now, status: NUM_STATUS_DEMO },
        { channel: INS.FLOW, value: Math.round(flow * 10) / 10, tMs: now, status: NUM_STATUS_DEMO },
        { channel: INS.VOL, value: Math.round(this.vol * 100) / 100, tMs: now, status: NUM_STATUS_DEMO },
      ]);
    }
  }
}

// ---------------------------------------------------------------- point-of-care lab

const LAB = { GLU: 0, LAC: 1, K: 2, PH: 3, PO2: 4, PCO2: 5 } as const;

export class SimLab extends SimDevice {
  private readonly results = new Periodic(120);

  constructor(opts: SimOptions) {
    super(opts, 'poc-lab-analyser', 'sim-lab-01', 'SimBGA 500', [
      ch(LAB.GLU, 'numeric', MDC.GLUCOSE, { range: [0, 40] }),
      ch(LAB.LAC, 'numeric', MDC.LACTATE, { range: [0, 30] }),
      ch(LAB.K, 'numeric', MDC.POTASSIUM, { range: [1, 10] }),
      ch(LAB.PH, 'numeric', MDC.PH, { range: [6.5, 8] }),
      ch(LAB.PO2, 'numeric', MDC.PO2, { range: [0, 700] }),
      ch(LAB.PCO2, 'numeric', MDC.PCO2, { range: [0, 150] }),
    ]);
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    if (s < 3 || !this.results.due(s)) return;
    const g = () => gauss(this.u);
    const r = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
    const n = (channel: number, value: number): NumericEntry => ({ channel, value, tMs: now, status: NUM_STATUS_DEMO });
    this.client.sendNumerics([
      n(LAB.GLU, r(6.2 + g() * 0.6, 1)),
      n(LAB.LAC, r(1.3 + Math.abs(g()) * 0.3, 1)),
      n(LAB.K, r(4.1 + g() * 0.2, 1)),
      n(LAB.PH, r(7.40 + g() * 0.02, 2)),
      n(LAB.PO2, Math.round(210 + g() * 15)),
      n(LAB.PCO2, Math.round(40 + g() * 2)),
    ]);
    this.client.sendEvent({ tMs: now, code: 'LAB_RESULT', text: 'Arterial blood gas' });
  }
}

// ---------------------------------------------------------------- navigation tracker

export const TRACKER_CH = { INSTRUMENT: 0, REFERENCE: 1 } as const;

export class SimTracker extends SimDevice {
  private produced = 0;
  private readonly rateHz = 60;

  constructor(opts: SimOptions) {
    super(opts, 'navigation-tracker', 'sim-tracker-01', 'SimTrack Vega', [
      ch(TRACKER_CH.INSTRUMENT, 'pose', MDC.POSE_INSTRUMENT, { rateHz: 60 }),
      ch(TRACKER_CH.REFERENCE, 'pose', MDC.POSE_REFERENCE, { rateHz: 60 }),
    ]);
  }

  protected tick(now: number): void {
    const s = this.simSeconds(now);
    const due = Math.floor(s * this.rateHz);
    const entries: PoseEntry[] = [];
    for (; this.produced < due; this.produced++) {
      const t = this.produced / this.rateHz;
      const tMs = this.deviceMsAt(t);
      const p = trackerPath(t);
      entries.push({ channel: TRACKER_CH.INSTRUMENT, status: 0, quality: p.quality, tMs, matrix: p.instrument });
      entries.push({ channel: TRACKER_CH.REFERENCE, status: 0, quality: 1, tMs, matrix: p.reference });
      if (entries.length >= 512) {
        this.client.sendPoses(entries.splice(0));
      }
    }
    this.client.sendPoses(entries);
  }
}

export function createSimDevice(name: SimDeviceName, opts: SimOptions): SimDevice {
  switch (name) {
    case 'monitor':
      return new SimMonitor(opts);
    case 'anaesthesia':
      return new SimAnaesthesia(opts);
    case 'pump1':
      return new SimPump(opts, 1, 'Propofol 10 mg/mL', 20);
    case 'pump2':
      return new SimPump(opts, 2, 'Remifentanil 50 µg/mL', 6);
    case 'esu':
      return new SimEsu(opts);
    case 'insufflator':
      return new SimInsufflator(opts);
    case 'lab':
      return new SimLab(opts);
    case 'tracker':
      return new SimTracker(opts);
  }
}
