/**
 * `or-hub keys`: the hub's CURVE keys and the allow-list of enrolled devices
 * (docs/device-protocol.md §8). Files live under `<data dir>/keys/`, mode 0600.
 *
 *   or-hub keys init   [--data-dir D] [--force]          create the hub's key pair (prints its public key)
 *   or-hub keys enrol  NAME [--data-dir D] [--public-key Z85] [--device-id ID[,ID...]]
 *                      enrol a device; without --public-key, generate its key pair into
 *                      keys/devices/NAME.key.json (give that file to the device: `or-hub simulate --keys FILE`)
 *   or-hub keys list   [--data-dir D]                    the hub's public key and every enrolled device
 *   or-hub keys revoke NAME [--data-dir D]               remove a device (new connections with its key are refused)
 */
import { DEFAULT_DATA_DIR } from '../hub/data-dir';
import { defineCommand, defineGroup, type OptionSpecs } from './command';
import { enrolDevice, initHubKeys, keysDir, listEnrolled, loadHubKeys, revokeDevice } from '../../native-bridge/node/key-store';

const dataDirOption = {
  'data-dir': {
    type: 'string',
    help: 'the hub data folder (keys are in its keys/ subfolder)',
    metavar: 'DIR',
    default: DEFAULT_DATA_DIR,
  },
} satisfies OptionSpecs;

const NAME = { name: 'NAME', help: 'the device name: 1-64 of [A-Za-z0-9._-]', required: true };

const init = defineCommand({
  name: 'init',
  summary: "create the hub's key pair",
  description: "Creates the hub's CURVE key pair under DIR/keys (0600).",
  options: { ...dataDirOption, force: { type: 'boolean', help: 'replace existing hub keys (every device must then be given the new hub public key)' } },
  run({ values, out }) {
    const dir = values['data-dir'];
    const { keys, created } = initHubKeys(dir, values.force);
    out(created ? `created hub keys in ${keysDir(dir)}` : `hub keys already exist in ${keysDir(dir)} (--force replaces them)`);
    out(`hub public key: ${keys.publicKey}`);
    return 0;
  },
});

const enrol = defineCommand({
  name: 'enrol',
  aliases: ['enroll'],
  summary: 'enrol a device (generates its key file when no key is given)',
  description: "Adds a device to the allow-list of the bus (creating the hub's key pair first when there is none).",
  options: {
    ...dataDirOption,
    'public-key': { type: 'string', help: "the device's CURVE public key (Z85, 40 characters); omitted: generate a key pair", metavar: 'Z85' },
    'device-id': {
      type: 'string',
      help: 'the deviceIds this key may claim in HELLO, comma-separated; an id ending in * is a prefix (default: NAME)',
      metavar: 'ID[,ID...]',
    },
  },
  positionals: [NAME],
  run({ values, positionals: [name], out }) {
    const ids = values['device-id']?.split(',').map((x) => x.trim());
    const { device, keyFile, hubKeysCreated } = enrolDevice(values['data-dir'], name, values['public-key'], ids);
    if (hubKeysCreated) out(`created hub keys in ${keysDir(values['data-dir'])} (there were none; "or-hub keys list" shows the hub public key)`);
    out(`enrolled ${device.name}: ${device.publicKey} (may claim deviceId ${device.deviceIds.join(', ')})`);
    if (keyFile) out(`device key file: ${keyFile} (secret: give it to the device only, e.g. or-hub simulate --keys ${keyFile})`);
    return 0;
  },
});

const list = defineCommand({
  name: 'list',
  summary: "show the hub's public key and the enrolled devices",
  options: dataDirOption,
  run({ values, out }) {
    const dir = values['data-dir'];
    const hub = loadHubKeys(dir);
    out(`hub public key: ${hub ? hub.publicKey : '(none: run "or-hub keys init")'}`);
    const devices = listEnrolled(dir);
    if (devices.length === 0) out('no devices enrolled');
    for (const d of devices) out(`${d.name}\t${d.publicKey}\t${d.enrolledAt}\t${d.deviceIds.join(',')}`);
    return 0;
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: 'remove a device from the allow-list',
  description: 'Removes a device from the allow-list; its next connection attempt is refused.',
  options: dataDirOption,
  positionals: [NAME],
  run({ values, positionals: [name], command, out, err }) {
    if (!revokeDevice(values['data-dir'], name)) {
      err(`${command}: no device named "${name}" is enrolled`);
      return 1;
    }
    out(`revoked ${name} (a running hub refuses its open connections within a second)`);
    return 0;
  },
});

export const keysCommand = defineGroup({
  name: 'keys',
  summary: 'device bus CURVE keys: init, enrol NAME, list, revoke NAME',
  description: "Manages the device bus CURVE keys: the hub's key pair and the allow-list of devices.",
  commands: [init, enrol, list, revoke],
});
