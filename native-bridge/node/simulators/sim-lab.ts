/** The simulated point-of-care lab analyser: an arterial blood gas result every 2 min. */
import { MDC } from '../../common/mdc';
import { NUM_STATUS_DEMO, type NumericEntry } from '../../common/wire';
import { gauss } from '../../common/sim/physiology';
import { SimDevice, ch, Periodic, type SimOptions } from './sim-device';

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
      n(LAB.PH, r(7.4 + g() * 0.02, 2)),
      n(LAB.PO2, Math.round(210 + g() * 15)),
      n(LAB.PCO2, Math.round(40 + g() * 2)),
    ]);
    this.client.sendEvent({ tMs: now, code: 'LAB_RESULT', text: 'Arterial blood gas' });
  }
}
