/** The simulated infusion pump: rate and volume infused, drug and rate settings, rate changes and occlusion alarms. */
import { MDC } from '../../common/mdc';
import { AlarmPriority, AlarmState, NUM_STATUS_DEMO } from '../../common/wire';
import { SimDevice, ch, Periodic, type SimOptions } from './sim-device';

const PUMP = { RATE: 0, VOL: 1, S_DRUG: 10, S_RATE: 11 } as const;

export class SimPump extends SimDevice {
  private volume = 0;
  private lastS = 0;
  private occludedUntil = -1;
  private nextOcclusion: number;
  private readonly numerics = new Periodic(1);
  private readonly changes = new Periodic(120);
  private sentDrug = false;

  constructor(
    opts: SimOptions,
    n: 1 | 2,
    private readonly drug: string,
    private rate: number,
  ) {
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
