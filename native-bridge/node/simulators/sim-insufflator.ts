/** The simulated insufflator: abdominal pressure towards the set pressure, CO2 flow and volume. */
import { MDC } from '../../common/mdc';
import { NUM_STATUS_DEMO } from '../../common/wire';
import { gauss } from '../../common/sim/physiology';
import { SimDevice, ch, Periodic, type SimOptions } from './sim-device';

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
