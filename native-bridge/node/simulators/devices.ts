/**
 * The built-in simulated operating room: the device names and `createSimDevice`. Each device is its
 * own module (sim-*.ts) on the shared base (sim-device.ts); everything is re-exported from here.
 */
import type { SimDevice, SimOptions } from './sim-device';
import { SimAnaesthesia } from './sim-anaesthesia';
import { SimEsu } from './sim-esu';
import { SimInsufflator } from './sim-insufflator';
import { SimLab } from './sim-lab';
import { SimMonitor } from './sim-monitor';
import { SimPump } from './sim-pump';
import { SimTracker } from './sim-tracker';

export { SimDevice, type SimOptions } from './sim-device';
export { MONITOR_CH, SimMonitor } from './sim-monitor';
export { SimAnaesthesia } from './sim-anaesthesia';
export { SimPump } from './sim-pump';
export { SimEsu } from './sim-esu';
export { SimInsufflator } from './sim-insufflator';
export { SimLab } from './sim-lab';
export { TRACKER_CH, SimTracker } from './sim-tracker';

export const SIM_DEVICE_NAMES = ['monitor', 'anaesthesia', 'pump1', 'pump2', 'esu', 'insufflator', 'lab', 'tracker'] as const;
export type SimDeviceName = (typeof SIM_DEVICE_NAMES)[number];

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
