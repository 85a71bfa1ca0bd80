/**
 * `or-hub display-url` and `or-hub display-token rotate` (issue 13 §1): the display pairing kept
 * in DATA_DIR/display.json (main/hub/display-pairing.ts).
 */
import { DEFAULT_DATA_DIR } from '../hub/data-dir';
import { defineCommand, defineGroup, type OptionSpecs } from './command';
import { pairingPath, readPairing, rotatePairing } from '../hub/display-pairing';
import { readHubFile } from '../hub/hub-file';

const dataDirOption = {
  'data-dir': { type: 'string', help: 'the hub data folder', metavar: 'DIR', default: DEFAULT_DATA_DIR },
} satisfies OptionSpecs;

/** The URL a hub on this pairing serves on loopback (plain HTTP). */
const loopbackUrl = (port: number, token: string) => `http://127.0.0.1:${port}/#token=${token}`;

export const displayUrlCommand = defineCommand({
  name: 'display-url',
  summary: 'print the display URL of the hub on DIR (the same across restarts)',
  description:
    'Prints the URL a display opens (its token is in the fragment). With a hub running on DIR, the URL it serves;\n' +
    'otherwise the one it will serve on loopback from the kept port and token (DIR/display.json).',
  options: dataDirOption,
  run({ values, out }) {
    const dir = values['data-dir'];
    const running = readHubFile(dir);
    if (running) {
      out(running.url);
      return 0;
    }
    const p = readPairing(dir);
    if (!p) throw new Error(`no display pairing in ${dir} yet: start the hub once ("or-hub start --data-dir ${dir}")`);
    if (!p.port) throw new Error(`${pairingPath(dir)} has no port yet: start the hub once`);
    out(loopbackUrl(p.port, p.token));
    return 0;
  },
});

const rotate = defineCommand({
  name: 'rotate',
  summary: 'replace the display token (every open display is refused until given the new URL)',
  description: 'Writes a new token to DIR/display.json (0600). A hub running on DIR takes it within a second and closes every open display.',
  options: dataDirOption,
  run({ values, out }) {
    const dir = values['data-dir'];
    const p = rotatePairing(dir);
    out(`display token replaced in ${pairingPath(dir)}`);
    const running = readHubFile(dir);
    out(
      running
        ? 'the running hub refuses the old token within a second; open displays must be given the new URL ("or-hub display-url")'
        : 'no hub running on this data dir; it serves the new token on its next start',
    );
    if (p.port) out(`display: ${loopbackUrl(p.port, p.token)}`);
    return 0;
  },
});

export const displayTokenCommand = defineGroup({ name: 'display-token', summary: 'manage the display session token', commands: [rotate] });
