/**
 * `or-hub keys`: the hub's CURVE keys and the allow-list of enrolled devices
 * (docs/device-protocol.md §8). Files live under `<data dir>/keys/`, mode 0600.
 *
 *   or-hub keys init   [--data-dir D] [--force]          create the hub's key pair (prints its public key)
 *   or-hub keys enrol  NAME [--data-dir D] [--public-key Z85]
 *                      enrol a device; without --public-key, generate its key pair into
 *                      keys/devices/NAME.key.json (give that file to the device: `or-hub simulate --keys FILE`)
 *   or-hub keys list   [--data-dir D]                    the hub's public key and every enrolled device
 *   or-hub keys revoke NAME [--data-dir D]               remove a device (new connections with its key are refused)
 */
import path from 'node:path';
import { parseArgs, helpText, UsageError, type FlagSpec } from './args';
import { KeyStoreError, enrolDevice, initHubKeys, keysDir, listEnrolled, loadHubKeys, revokeDevice } from '../../native-bridge/node/key-store';

const dataDirFlag = {
  'data-dir': { type: 'string', help: 'the hub data folder (keys are in its keys/ subfolder)', metavar: 'DIR', default: path.join(process.cwd(), '.or-hub-data') },
} satisfies Record<string, FlagSpec>;

const INIT_FLAGS = { ...dataDirFlag, force: { type: 'bool', help: 'replace existing hub keys (every device must then be given the new hub public key)' } } satisfies Record<string, FlagSpec>;
const ENROL_FLAGS = {
  ...dataDirFlag,
  'public-key': { type: 'string', help: "the device's CURVE public key (Z85, 40 characters); omitted: generate a key pair", metavar: 'Z85' },
} satisfies Record<string, FlagSpec>;

const HELP = `usage: or-hub keys <init|enrol|list|revoke> [flags]

Manages the device bus CURVE keys: the hub's key pair and the allow-list of devices.

  init   [--data-dir D] [--force]               create the hub's key pair
  enrol  NAME [--data-dir D] [--public-key Z85] enrol a device (generates its key file when no key is given)
  list   [--data-dir D]                         show the hub's public key and the enrolled devices
  revoke NAME [--data-dir D]                    remove a device from the allow-list

Run "or-hub keys <subcommand> --help" for details.`;

export async function runKeysCli(argv: string[], out: (l: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out(HELP);
        return sub === undefined ? 2 : 0;
      case 'init': {
        const p = parseArgs('or-hub keys init', rest, INIT_FLAGS);
        if (p.help) return out(helpText('or-hub keys init [flags]', "Creates the hub's CURVE key pair under DIR/keys (0600).", INIT_FLAGS)), 0;
        const dir = p.flags['data-dir']!;
        const { keys, created } = initHubKeys(dir, p.flags.force);
        out(created ? `created hub keys in ${keysDir(dir)}` : `hub keys already exist in ${keysDir(dir)} (--force replaces them)`);
        out(`hub public key: ${keys.publicKey}`);
        return 0;
      }
      case 'enrol':
      case 'enroll': {
        const p = parseArgs('or-hub keys enrol', rest, ENROL_FLAGS, 1);
        if (p.help) return out(helpText('or-hub keys enrol NAME [flags]', 'Adds a device to the allow-list of the bus.', ENROL_FLAGS)), 0;
        const name = p.positionals[0];
        if (!name) throw new UsageError('or-hub keys enrol: NAME is required');
        const { device, keyFile } = enrolDevice(p.flags['data-dir']!, name, p.flags['public-key']);
        out(`enrolled ${device.name}: ${device.publicKey}`);
        if (keyFile) out(`device key file: ${keyFile} (secret: give it to the device only, e.g. or-hub simulate --keys ${keyFile})`);
        return 0;
      }
      case 'list': {
        const p = parseArgs('or-hub keys list', rest, dataDirFlag);
        if (p.help) return out(helpText('or-hub keys list [flags]', "Shows the hub's public key and the enrolled devices.", dataDirFlag)), 0;
        const dir = p.flags['data-dir']!;
        const hub = loadHubKeys(dir);
        out(`hub public key: ${hub ? hub.publicKey : '(none: run "or-hub keys init")'}`);
        const devices = listEnrolled(dir);
        if (devices.length === 0) out('no devices enrolled');
        for (const d of devices) out(`${d.name}\t${d.publicKey}\t${d.enrolledAt}`);
        return 0;
      }
      case 'revoke': {
        const p = parseArgs('or-hub keys revoke', rest, dataDirFlag, 1);
        if (p.help) return out(helpText('or-hub keys revoke NAME [flags]', 'Removes a device from the allow-list; its next connection attempt is refused.', dataDirFlag)), 0;
        const name = p.positionals[0];
        if (!name) throw new UsageError('or-hub keys revoke: NAME is required');
        if (!revokeDevice(p.flags['data-dir']!, name)) {
          out(`or-hub keys revoke: no device named "${name}" is enrolled`);
          return 1;
        }
        out(`revoked ${name} (connections already open stay until they drop; restart the hub to cut them now)`);
        return 0;
      }
      default:
        throw new UsageError(`or-hub keys: unknown subcommand "${sub}" (init, enrol, list, revoke)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      out(e.message);
      return 2;
    }
    if (e instanceof KeyStoreError) {
      out(`or-hub keys: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
