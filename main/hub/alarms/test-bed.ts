/**
 * Test support for the alarm engine tests (imported by *.test.ts only): an engine on a real
 * alarm board with a hand-moved clock, a simulated monitor, anaesthesia machine, ESU and
 * insufflator described as the simulators describe them, and the changes it emitted.
 */
import { AlarmBoard } from '../alarm-board';
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { AlarmEngine } from './engine';
import type { AlarmChange } from './state';
import type { EngineTiming } from './state';

export const T0 = 1_700_000_000_000;
export const MON = 'sim-monitor-01';
export const CH = { ECG: 0, PLETH: 1, ABP: 2, HR: 10, SPO2: 11, ETCO2: 19, PPEAK: 16, IAP: 0 } as const;

const dev = (deviceId: string, kind: DeviceDescriptor['kind'], channels: DeviceDescriptor['channels']): DeviceDescriptor => ({
  protocol: 1,
  deviceId,
  kind,
  manufacturer: 'test',
  model: deviceId,
  serial: '1',
  heartbeatMs: 1000,
  channels,
});

export const MONITOR = dev(MON, 'patient-monitor', [
  { index: CH.ECG, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz: 250 },
  { index: CH.PLETH, kind: 'wave', mdc: 'MDC_PULS_OXIM_PLETH', label: 'Pleth', unit: '1', rateHz: 125 },
  { index: CH.ABP, kind: 'wave', mdc: 'MDC_PRESS_BLD_ART_ABP', label: 'ABP', unit: 'mm[Hg]', rateHz: 125 },
  { index: CH.HR, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' },
  { index: CH.SPO2, kind: 'numeric', mdc: 'MDC_PULS_OXIM_SAT_O2', label: 'SpO2', unit: '%' },
  { index: CH.ETCO2, kind: 'numeric', mdc: 'MDC_AWAY_CO2_ET', label: 'EtCO2', unit: 'mm[Hg]' },
]);
export const ANAESTHESIA = dev('sim-anaesthesia-01', 'anaesthesia-machine', [
  { index: CH.PPEAK, kind: 'numeric', mdc: 'MDC_PRESS_AWAY_INSP_PEAK', label: 'Ppeak', unit: 'cm[H2O]' },
]);
export const INSUFFLATOR = dev('sim-insufflator-01', 'insufflator', [{ index: CH.IAP, kind: 'numeric', mdc: 'MDC_INSUF_PRESS', label: 'IAP', unit: 'mm[Hg]' }]);
export const ESU = dev('sim-esu-01', 'electrosurgical-unit', [{ index: 0, kind: 'numeric', mdc: 'MDC_ESU_ACTIVE', label: 'ESU', unit: '' }]);

export class Bed {
  t = T0;
  readonly board = new AlarmBoard((e) => {
    throw e;
  });
  readonly engine: AlarmEngine;
  readonly changes: AlarmChange[] = [];

  constructor(timing: Partial<EngineTiming> = {}) {
    this.engine = new AlarmEngine({ board: this.board, now: () => this.t, timing });
    this.board.subscribe((e) => this.engine.alarmsChanged(e));
    this.engine.onChange((c) => this.changes.push(c));
    for (const d of [MONITOR, ANAESTHESIA, INSUFFLATOR, ESU]) this.engine.deviceOnline(d);
  }

  /** Moves the clock, ticking the engine every 100 ms. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 100);
      this.engine.tick();
    }
  }

  /** One numeric now, then `seconds` more once a second (the clock moves). */
  numeric(deviceId: string, channel: number, value: number, seconds = 0, status = 0): void {
    for (let s = 0; s <= seconds; s++) {
      if (s) this.advance(1000);
      this.engine.numeric(deviceId, channel, this.t, value, status);
    }
  }

  alarm(key: string) {
    return this.engine.items(() => undefined).find((a) => a.alarmId === key);
  }

  actions(key: string): string[] {
    return this.changes.filter((c) => c.key === key).map((c) => c.action);
  }
}
