/** The simulated electrosurgical unit: activation on/off events, mode (CUT/COAG) and power settings. */
import { MDC } from '../../common/mdc';
import { NUM_STATUS_DEMO } from '../../common/wire';
import { SimDevice, ch, Periodic, type SimOptions } from './sim-device';

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
      this.client.sendEvent({
        tMs: now,
        channel: ESU.ACTIVE,
        code: this.active ? 'ESU_ACTIVATION_START' : 'ESU_ACTIVATION_STOP',
        text: `${this.mode} ${this.power} W`,
      });
    }
    if (this.numerics.due(s)) this.client.sendNumerics([{ channel: ESU.ACTIVE, value: this.active ? 1 : 0, tMs: now, status: NUM_STATUS_DEMO }]);
  }
}
