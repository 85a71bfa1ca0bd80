/**
 * `or-hub gateway hl7`: the HL7 v2 gateway as its own process (native-bridge/node/gateways/hl7):
 * an MLLP listener for IHE PCD-01 reports whose devices join the hub's bus.
 */
import { defineCommand } from './command';
import { checkEndpoint, checkHost } from './checks';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { Hl7Gateway } from '../../native-bridge/node/gateways/hl7/gateway';

export const hl7GatewayCommand = defineCommand({
  name: 'hl7',
  summary: 'accept HL7 v2 PCD-01 observation reports over MLLP and publish them on the bus',
  description:
    'Listens for IHE PCD-01 ORU^R01 reports over MLLP (monitor gateways, several beds on one link), answers each with an ACK\n' +
    '(AA; AE or AR with the reason), and publishes the observations of the --theatre location on the bus, one bus device per\n' +
    'source device (OBX-18), one channel per MDC metric. Reports for other locations are acknowledged and counted.',
  options: {
    bus: { type: 'string', help: 'hub bus endpoint to connect to', metavar: 'ENDPOINT', check: checkEndpoint, required: 'the hub prints it as "bus: ..."' },
    listen: { type: 'integer', help: 'MLLP port to listen on (0 picks a free one)', metavar: 'PORT', min: 0, max: 65535, required: true },
    host: { type: 'string', help: 'address to listen on (the monitor network needs it set)', metavar: 'ADDR', default: '127.0.0.1', check: checkHost },
    theatre: {
      type: 'string',
      help: "publish only reports whose PV1-3 point of care, room or bed is NAME (or 'unit^room^bed' component by component)",
      metavar: 'NAME',
      check: (v: string) => (/^[^\x00-\x1f|~\\&]{1,64}$/.test(v) ? null : 'must be 1-64 characters, without control characters or | ~ \\ &'),
    },
    keys: {
      type: 'string',
      help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME"); without it the devices speak plain text',
      metavar: 'FILE',
    },
  },
  async run({ values: f, command, out, err }) {
    const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
    const gw = new Hl7Gateway({ bus: f.bus, listen: f.listen, host: f.host, theatre: f.theatre, curve, log: err });
    const port = await gw.start().catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') throw new Error(`port ${f.listen} on ${f.host} is in use: choose another with --listen`);
      throw new Error(`cannot listen on ${f.host}:${f.listen}: ${e.message}`);
    });
    out(`hl7: listening for MLLP on ${f.host}:${port}${f.theatre ? ` for theatre "${f.theatre}"` : ' (every location)'}; bus ${f.bus}`);
    const report = () => err(`${command}: ${JSON.stringify({ ...gw.stats, link: gw.link, devices: gw.busDevices() })}`);
    const timer = setInterval(report, 60000);
    timer.unref();
    const stop = async () => {
      clearInterval(timer);
      report();
      await gw.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    return new Promise<number>(() => {});
  },
});
