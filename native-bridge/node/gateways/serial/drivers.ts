/** The serial drivers `or-hub gateway serial --driver NAME` knows. A new driver is one line here. */
import type { SerialDriver } from './driver';
import { ivy450cDriver } from './ivy450c';

export const SERIAL_DRIVERS: Readonly<Record<string, SerialDriver>> = {
  [ivy450cDriver.name]: ivy450cDriver as SerialDriver,
};

export const SERIAL_DRIVER_NAMES = Object.keys(SERIAL_DRIVERS);
