/**
 * The simulated anaesthesia machine: airway pressure and flow waves, ventilation and gas numerics,
 * and ventilator settings a clinician changes now and then.
 */
import { MDC } from '../../common/mdc';
import { NUM_STATUS_DEMO, type NumericEntry } from '../../common/wire';
import { gauss } from '../../common/sim/physiology';
import { SimDevice, ch, WaveEmitter, Periodic, type SimOptions } from './sim-device';

const ANA = {
  PAW: 0,
  FLOW: 1,
  FIO2: 10,
  ETO2: 11,
  ETAGENT: 12,
  MAC: 13,
  TV: 14,
  PEEP: 15,
  PPEAK: 16,
  RR: 17,
  S_TV: 30,
  S_PEEP: 31,
  S_RR: 32,
  S_FIO2: 33,
  S_AGENT: 34,
} as const;

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
        return d < ti ? (this.tv / 1000 / ti) * 60 : -(((this.tv / 1000) * 60) / 0.45) * Math.exp(-(d - ti) / 0.45) * 0.45;
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
