/** `or-hub gateway serial`: one serial device (e.g. an Ivy 450C monitor) onto a running hub's bus. */
import { defineCommand, UsageError } from './command';
import { checkDeviceId, checkEndpoint } from './checks';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { SERIAL_DRIVERS, SERIAL_DRIVER_NAMES } from '../../native-bridge/node/gateways/serial/drivers';
import { SerialGateway } from '../../native-bridge/node/gateways/serial/gateway';

export const serialGatewayCommand = defineCommand({
  name: 'serial',
  summary: 'a serial device (patient monitor) onto the bus',
  description:
    "Reads a serial device with the named driver and puts it on the hub's bus as one device.\n" +
    'The port is reopened by itself when the device disappears and comes back; decode errors are counted,\n' +
    `logged and sent to the hub as events. Drivers: ${SERIAL_DRIVER_NAMES.map((n) => `${n} (${SERIAL_DRIVERS[n].summary})`).join('; ')}.`,
  options: {
    bus: { type: 'string', help: 'hub bus endpoint to connect to', metavar: 'ENDPOINT', check: checkEndpoint, required: 'the hub prints it as "bus: ..."' },
    device: { type: 'string', help: 'the serial device, e.g. /dev/ttyUSB0', metavar: 'PATH', required: 'the serial port the monitor is plugged into' },
    driver: {
      type: 'string',
      help: `the device's driver: ${SERIAL_DRIVER_NAMES.join(', ')}`,
      metavar: 'NAME',
      required: true,
      check: (v: string) => (SERIAL_DRIVERS[v] ? null : `unknown driver "${v}" (known: ${SERIAL_DRIVER_NAMES.join(', ')})`),
    },
    baud: { type: 'integer', help: "baud rate, when the device is not set to the driver's (ivy450c: 9600)", metavar: 'N', min: 50, max: 4000000 },
    'device-id': {
      type: 'string',
      help: 'bus device id (default <driver>-<device file name>)',
      metavar: 'ID',
      check: checkDeviceId,
    },
    keys: {
      type: 'string',
      help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME"); without it the gateway speaks plain text',
      metavar: 'FILE',
    },
  },
  async run({ values: f, command, out, err }) {
    const driver = SERIAL_DRIVERS[f.driver];
    if (!driver) throw new UsageError(`unknown driver "${f.driver}"`);
    const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
    const gw = new SerialGateway({ endpoint: f.bus, path: f.device, driver, baudRate: f.baud, deviceId: f['device-id'], curve, log: err });
    await gw.start();
    out(`gateway serial: ${f.device} (${driver.name}) on ${f.bus} as ${gw.deviceId}`);
    const hint = curve ? '' : '; if it runs with --bus-security curve (the default), enrol a key ("or-hub keys enrol NAME") and pass --keys FILE';
    setTimeout(() => {
      if (!gw.client.accepted) err(`${command}: no answer from the hub yet${hint}`);
    }, 5000).unref();
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await gw.stop();
      out(`gateway serial: stats ${JSON.stringify(gw.stats)}`);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    return new Promise<number>(() => {});
  },
});
