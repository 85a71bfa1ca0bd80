/**
 * The Ivy Biomedical 450C driver: its decoded blocks (native-bridge/common/ivy450c.ts) onto one
 * bus device, with IEEE 11073 MDC names and UCUM units.
 *
 * Waveforms (one block a second): ECG on the channel of the lead the HR line names (I, II or
 * III; another lead is not sent), impedance respiration, pleth, P1 and P2. A block whose bytes
 * are all 0xFB (the monitor's fill: no transducer, no signal) is not sent. Scaling: ECG, resp and
 * pleth as OpenICE's AnsarB parser has them (ECG (raw − 100) × 0.02 mV; pleth raw − 86); P1 and P2
 * are raw = mm[Hg]: in the OpenICE capture the P1 waveform spans exactly the P1 numerics
 * (73 .. 111), so OpenICE's P1/P2 offsets (80, 251) are not used.
 * Numerics every block; a parameter whose line has no value is sent INVALID (displays show
 * dashes). NIBP is sent when its values change (a new cuff measurement), not every second.
 * A parameter's label text (e.g. "NO TRANSDUCER") is an EVENT when it changes; a non-empty alarm
 * field is an ALARM, ended when the field empties.
 */
import type { ChannelDescriptor } from '../../../common/descriptor';
import { Ivy450cDecoder, IVY_WAVES, type Ivy450cMessage, type IvyParam, type IvyWaveName } from '../../../common/ivy450c';
import { MDC, type MdcTerm } from '../../../common/mdc';
import { AlarmPriority, AlarmState, NUM_STATUS_INVALID, type NumericEntry } from '../../../common/wire';
import { BlockClock, type BusOutput, type DriverSession, type SerialDriver } from './driver';

/** Channel indices of the Ivy 450C device. */
export const IVY_CH = {
  ECG_I: 0,
  ECG_II: 1,
  ECG_III: 2,
  RESP: 3,
  PLETH: 4,
  P1: 5,
  P2: 6,
  HR: 10,
  RR: 11,
  ETCO2: 12,
  SPO2: 13,
  PR: 14,
  NIBP_SYS: 15,
  NIBP_DIA: 16,
  NIBP_MEAN: 17,
  NIBP_PR: 18,
  P1_SYS: 19,
  P1_DIA: 20,
  P1_MEAN: 21,
  P2_SYS: 22,
  P2_DIA: 23,
  P2_MEAN: 24,
  T1: 25,
  T2: 26,
  ECG_LEAD: 30,
} as const;

const ECG_OF_LEAD: Record<string, number> = { I: IVY_CH.ECG_I, II: IVY_CH.ECG_II, III: IVY_CH.ECG_III };
/** The 0xFB fill byte of a waveform without signal. */
const NO_SIGNAL = 0xfb;

const wave = (index: number, t: MdcTerm, rateHz: number, scale: number, offset: number, range: [number, number], label = t.label): ChannelDescriptor => ({
  index,
  kind: 'wave',
  ...t,
  label,
  rateHz,
  format: 'i16',
  scale,
  offset,
  range,
});
const num = (index: number, t: MdcTerm, range: [number, number], label = t.label): ChannelDescriptor => ({ index, kind: 'numeric', ...t, label, range });

const CHANNELS: readonly ChannelDescriptor[] = [
  wave(IVY_CH.ECG_I, MDC.ECG_I, 200, 0.02, -2, [-2, 3.1]),
  wave(IVY_CH.ECG_II, MDC.ECG_II, 200, 0.02, -2, [-2, 3.1]),
  wave(IVY_CH.ECG_III, MDC.ECG_III, 200, 0.02, -2, [-2, 3.1]),
  wave(IVY_CH.RESP, MDC.RESP_WAVE, 50, 1, 0, [0, 255]),
  wave(IVY_CH.PLETH, MDC.PLETH, 50, 1, -86, [-86, 169]),
  wave(IVY_CH.P1, MDC.PRESS_BLD, 50, 1, 0, [0, 255], 'P1'),
  wave(IVY_CH.P2, MDC.PRESS_BLD, 50, 1, 0, [0, 255], 'P2'),
  num(IVY_CH.HR, MDC.HR, [20, 300]),
  num(IVY_CH.RR, MDC.RESP_RATE, [0, 150]),
  num(IVY_CH.ETCO2, MDC.ETCO2, [0, 100]),
  num(IVY_CH.SPO2, MDC.SPO2, [0, 100]),
  num(IVY_CH.PR, MDC.PR, [20, 300]),
  num(IVY_CH.NIBP_SYS, MDC.NIBP_SYS, [0, 300]),
  num(IVY_CH.NIBP_DIA, MDC.NIBP_DIA, [0, 300]),
  num(IVY_CH.NIBP_MEAN, MDC.NIBP_MEAN, [0, 300]),
  num(IVY_CH.NIBP_PR, MDC.NIBP_PULSE, [20, 300]),
  num(IVY_CH.P1_SYS, MDC.PRESS_BLD_SYS, [-50, 300], 'P1 sys'),
  num(IVY_CH.P1_DIA, MDC.PRESS_BLD_DIA, [-50, 300], 'P1 dia'),
  num(IVY_CH.P1_MEAN, MDC.PRESS_BLD_MEAN, [-50, 300], 'P1 mean'),
  num(IVY_CH.P2_SYS, MDC.PRESS_BLD_SYS, [-50, 300], 'P2 sys'),
  num(IVY_CH.P2_DIA, MDC.PRESS_BLD_DIA, [-50, 300], 'P2 dia'),
  num(IVY_CH.P2_MEAN, MDC.PRESS_BLD_MEAN, [-50, 300], 'P2 mean'),
  num(IVY_CH.T1, MDC.TEMP_GENERIC, [25, 45], 'T1'),
  num(IVY_CH.T2, MDC.TEMP_GENERIC, [25, 45], 'T2'),
  { index: IVY_CH.ECG_LEAD, kind: 'text', ...MDC.ECG_LEAD },
];

/** Parameters with a label and an alarm field, the channel their event or alarm names, and its alarm code. */
const PARAMS: readonly { key: keyof Omit<Ivy450cMessage, 'waves' | 'unknownLines'>; name: string; channel: number; code: number }[] = [
  { key: 'hr', name: 'HR', channel: IVY_CH.HR, code: 4501 },
  { key: 'rr', name: 'RR', channel: IVY_CH.RR, code: 4502 },
  { key: 'etco2', name: 'EtCO2', channel: IVY_CH.ETCO2, code: 4503 },
  { key: 'spo2', name: 'SpO2', channel: IVY_CH.SPO2, code: 4504 },
  { key: 'nibp', name: 'NIBP', channel: IVY_CH.NIBP_SYS, code: 4505 },
  { key: 'p1', name: 'P1', channel: IVY_CH.P1_SYS, code: 4506 },
  { key: 'p2', name: 'P2', channel: IVY_CH.P2_SYS, code: 4507 },
  { key: 't1', name: 'T1', channel: IVY_CH.T1, code: 4508 },
  { key: 't2', name: 'T2', channel: IVY_CH.T2, code: 4509 },
];
/** Labels that carry a value rather than a status (the ECG lead, the SpO2 pulse rate). */
const VALUE_LABELS = new Set(['hr', 'spo2']);

class Ivy450cSession implements DriverSession<Ivy450cMessage> {
  private readonly clock = new BlockClock();
  private labels = new Map<string, string>();
  private alarms = new Map<string, string>();
  /** The ECG lead text last sent ("" before the first). */
  private leadText = '';
  private nibp = '';

  constructor(private readonly out: BusOutput) {}

  onMessage(m: Ivy450cMessage, tMs: number): void {
    this.waves(m, tMs);
    const entries: NumericEntry[] = [];
    const put = (channel: number, value: number | null | undefined) => {
      if (value === undefined) return;
      entries.push(value === null ? { channel, value: 0, tMs, status: NUM_STATUS_INVALID } : { channel, value, tMs, status: 0 });
    };
    put(IVY_CH.HR, m.hr?.value);
    put(IVY_CH.RR, m.rr?.value);
    put(IVY_CH.ETCO2, m.etco2?.value);
    put(IVY_CH.SPO2, m.spo2?.value);
    put(IVY_CH.PR, m.spo2?.pulseRate);
    put(IVY_CH.T1, m.t1?.value);
    put(IVY_CH.T2, m.t2?.value);
    for (const [p, ch] of [
      [m.p1, IVY_CH.P1_SYS],
      [m.p2, IVY_CH.P2_SYS],
    ] as const) {
      put(ch, p?.sys);
      put(ch + 1, p?.dia);
      put(ch + 2, p?.mean);
    }
    const nibp = m.nibp ? `${m.nibp.sys}/${m.nibp.dia}/${m.nibp.mean}/${m.nibp.pulse}` : '';
    if (m.nibp && nibp !== this.nibp) {
      put(IVY_CH.NIBP_SYS, m.nibp.sys);
      put(IVY_CH.NIBP_DIA, m.nibp.dia);
      put(IVY_CH.NIBP_MEAN, m.nibp.mean);
      put(IVY_CH.NIBP_PR, m.nibp.pulse);
      this.nibp = nibp;
    }
    this.out.sendNumerics(entries);
    const leadText = m.hr ? (m.hr.lead === null ? `unknown (${m.hr.label || 'none'})` : m.hr.lead + (m.hr.filter ? ` ${m.hr.filter}` : '')) : '';
    if (leadText && leadText !== this.leadText) {
      this.leadText = leadText;
      this.sendLead(tMs);
    }
    for (const p of PARAMS) this.status(p, m[p.key] as IvyParam | undefined, tMs);
  }

  private waves(m: Ivy450cMessage, tMs: number): void {
    for (const w of IVY_WAVES) {
      const channel = this.waveChannel(w.name, m);
      const bytes = m.waves[w.name];
      if (channel === null || bytes.every((b) => b === NO_SIGNAL)) continue;
      this.out.sendWave(channel, this.clock.t0(channel, tMs, bytes.length, w.rateHz), Int16Array.from(bytes));
    }
  }

  private waveChannel(name: IvyWaveName, m: Ivy450cMessage): number | null {
    switch (name) {
      case 'ecg':
        return ECG_OF_LEAD[m.hr?.lead ?? ''] ?? null;
      case 'resp':
        return IVY_CH.RESP;
      case 'pleth':
        return IVY_CH.PLETH;
      case 'p1':
        return IVY_CH.P1;
      case 'p2':
        return IVY_CH.P2;
    }
  }

  private sendLead(tMs: number): void {
    this.out.sendSetting({ tMs, channel: IVY_CH.ECG_LEAD, value: 0, text: this.leadText });
  }

  private status(p: (typeof PARAMS)[number], v: IvyParam | undefined, tMs: number): void {
    if (!v) return;
    if (!VALUE_LABELS.has(p.key) && v.label !== (this.labels.get(p.key) ?? '')) {
      this.out.sendEvent({ tMs, channel: p.channel, code: 'IVY450C_STATUS', text: `${p.name}: ${v.label || 'clear'}` });
    }
    this.labels.set(p.key, v.label);
    const was = this.alarms.get(p.key) ?? '';
    if (v.alarm !== was) {
      if (was)
        this.out.sendAlarm({ tMs, channel: p.channel, priority: AlarmPriority.Medium, state: AlarmState.Ended, code: p.code, text: `${p.name}: ${was}` });
      if (v.alarm)
        this.out.sendAlarm({ tMs, channel: p.channel, priority: AlarmPriority.Medium, state: AlarmState.Active, code: p.code, text: `${p.name}: ${v.alarm}` });
      this.alarms.set(p.key, v.alarm);
    }
  }

  onStreamBreak(): void {
    this.clock.reset();
    // A fresh stream re-sends NIBP and the statuses it shows.
    this.nibp = '';
    this.labels.clear();
  }

  onAccepted(tMs: number): void {
    if (this.leadText) this.sendLead(tMs);
  }
}

export const ivy450cDriver: SerialDriver<Ivy450cMessage> = {
  name: 'ivy450c',
  summary: 'Ivy Biomedical 450C patient monitor (ANSAR-B serial output, 9600 8N1)',
  kind: 'patient-monitor',
  manufacturer: 'Ivy Biomedical',
  model: '450C',
  port: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
  channels: CHANNELS,
  // OpenICE's Ivy450C: at most 5 s quiet (the monitor sends a block every second).
  quietMs: 5000,
  createDecoder: () => new Ivy450cDecoder(),
  createSession: (out) => new Ivy450cSession(out),
};
