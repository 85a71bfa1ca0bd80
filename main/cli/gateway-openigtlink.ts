/** `or-hub gateway openigtlink`: an OpenIGTLink navigation source as one bus device (docs/gateways.md, "OpenIGTLink"). */
import { UsageError, defineCommand } from './command';
import { checkDeviceId, checkEndpoint, checkHost, checkHostPort, parseHostPort } from './checks';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { OpenIgtlinkGateway } from '../../native-bridge/node/gateways/openigtlink/gateway';

const QUERY_RE = /^(GET|STT|STP)_[A-Z]{1,8}$/;

export const openigtlinkCommand = defineCommand({
  name: 'openigtlink',
  summary: 'OpenIGTLink (PLUS, navigation systems, 3D Slicer) poses and status onto the bus',
  description:
    'Connects to an OpenIGTLink server (--connect) or accepts senders (--listen) and turns TRANSFORM, POSITION, TDATA, QTDATA\n' +
    'and STATUS messages into pose channels, alarms and events of one bus device. Sender timestamps are mapped onto the hub clock.',
  options: {
    bus: { type: 'string', help: 'hub bus endpoint to connect to', metavar: 'ENDPOINT', check: checkEndpoint, required: 'the hub prints it as "bus: ..."' },
    connect: { type: 'string', help: 'OpenIGTLink server to connect to (redialled while down)', metavar: 'HOST:PORT', check: checkHostPort },
    listen: { type: 'integer', help: 'accept OpenIGTLink senders on this TCP port (0 picks one)', metavar: 'PORT', min: 0, max: 65535 },
    'listen-host': { type: 'string', help: 'address --listen binds', metavar: 'ADDR', default: '127.0.0.1', check: checkHost },
    keys: { type: 'string', help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME")', metavar: 'FILE' },
    'bus-data': { type: 'string', help: 'connect the data channel here instead of the address the hub offers', metavar: 'ENDPOINT', check: checkEndpoint },
    'device-id': {
      type: 'string',
      help: 'bus device id (default igtl-HOST-PORT)',
      metavar: 'ID',
      check: checkDeviceId,
    },
    'rate-hz': { type: 'integer', help: 'pose rate declared per tool (the hub budgets by it)', default: 400, min: 1, max: 10000 },
    query: {
      type: 'string',
      help: 'query messages sent on connecting, comma-separated (e.g. STT_TDATA for a server that streams on request)',
      metavar: 'LIST',
      check: (v: string) =>
        v.split(',').find((q) => !QUERY_RE.test(q)) ? `"${v.split(',').find((q) => !QUERY_RE.test(q))}" is not a GET_/STT_/STP_ message type` : null,
    },
    'max-clients': { type: 'integer', help: 'most senders connected at once with --listen', default: 8, min: 1, max: 1000 },
  },
  async run({ values: f, command, out, err }) {
    if ((f.connect === undefined) === (f.listen === undefined)) throw new UsageError('give exactly one of --connect HOST:PORT and --listen PORT');
    const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
    const gw = new OpenIgtlinkGateway({
      bus: f.bus,
      curve,
      dataEndpoint: f['bus-data'],
      connect: f.connect ? parseHostPort(f.connect) : undefined,
      listen: f.listen !== undefined ? { host: f['listen-host'], port: f.listen } : undefined,
      deviceId: f['device-id'],
      rateHz: f['rate-hz'],
      queries: f.query?.split(','),
      maxClients: f['max-clients'],
      log: err,
    });
    const port = await gw.start().catch((e: Error) => {
      throw new Error(/EADDRINUSE/.test(e.message) ? `port ${f.listen} is in use: choose another with --listen` : e.message);
    });
    out(`openigtlink gateway: device ${gw.deviceId} on ${f.bus}, ${f.connect ? `connecting to ${f.connect}` : `listening on ${f['listen-host']}:${port}`}`);
    setTimeout(() => {
      if (!gw.device.client.accepted)
        err(`${command}: no answer from the hub yet${curve ? '' : '; on a CURVE bus (the default) pass --keys FILE from "or-hub keys enrol NAME"'}`);
    }, 5000).unref();
    const stop = async () => {
      out(`openigtlink gateway: ${JSON.stringify(gw.stats)}`);
      await gw.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    return new Promise<number>(() => {});
  },
});
