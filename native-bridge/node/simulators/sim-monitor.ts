/**
 * The simulated patient monitor: ECG, pleth, ABP and CO2 waves from the patient model, vital-sign
 * numerics, NIBP every 3 min, desaturation episodes and the SpO2 LOW alarm (optional tachy-desat scenario).
 */
import { MDC } from '../../common/mdc';
import { AlarmPriority, AlarmState, NUM_STATUS_DEMO, type NumericEntry } from '../../common/wire';
import { Patient, DEFAULT_PATIENT, gauss } from '../../common/sim/physiology';
import { SimDevice, ch, WaveEmitter, Periodic, type SimOptions } from './sim-device';

export const MONITOR_CH = {
  ECG: 0,
  PLETH: 1,
  ABP: 2,
  CO2: 3,
  HR: 10,
  SPO2: 11,
  PR: 12,
  ABP_SYS: 13,
  ABP_DIA: 14,
  ABP_MEAN: 15,
  NIBP_SYS: 16,
  NIBP_DIA: 17,
  NIBP_MEAN: 18,
  ETCO2: 19,
  RESP_RATE: 20,
  TEMP: 21,
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
        this.client.sendAlarm({
          tMs: now,
          channel: MONITOR_CH.SPO2,
          priority: AlarmPriority.Medium,
          state: low ? AlarmState.Active : AlarmState.Ended,
          code: 1001,
          text: 'SpO2 LOW',
        });
      }
    }
  }
}
