/**
 * `or-hub`: the command line of OR Hub. Every command is declared with defineCommand / defineGroup
 * (main/cli/command.ts) and listed in OR_HUB below; a usage problem prints one line on stderr and
 * exits with status 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { STDIO, UsageError, defineCommand, defineGroup, runCli, type CliIo, type OptionSpecs } from './command';
import { checkEndpoint, checkHost, checkHostPort, checkNumber, checkOneOf, parseHostPort } from './checks';
import { ENV_SUPERVISED, reportToSupervisor, restartInfo, superviseHub } from '../hub/supervisor';
import { startHub } from '../hub/app';
import { DEFAULT_DATA_DIR, privateUmask } from '../hub/data-dir';
import { isLoopbackHost, readTls, selfSigned } from '../hub/tls';
import { DicomSources } from '../hub/dicom-sources';
import { dicomCommand } from '../dicom/inspect';
import { keysCommand } from './keys';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { recordingsCommand, verifyCommand } from '../recorder/cli';
import { annotateCommand } from './annotate';
import { replayCommand } from '../review/replay-cli';
import { exportCommand, importCommand } from '../interop/commands';
import { gatewayCommand } from './gateway';
import { displayTokenCommand, displayUrlCommand } from './display';
import { SIM_DEVICE_NAMES, createSimDevice, type SimDevice, type SimDeviceName } from '../../native-bridge/node/simulators/devices';

const DEFAULT_BUS = 'tcp://127.0.0.1:7400';

const START_OPTIONS = {
  headless: { type: 'boolean', help: 'never open a window; serve the display over HTTP only' },
  host: { type: 'string', help: 'address the display server listens on', metavar: 'ADDR', default: '127.0.0.1', check: checkHost },
  port: { type: 'integer', help: 'display server port; 0 picks a free one', default: 0, min: 0, max: 65535 },
  bus: { type: 'string', help: 'ZeroMQ endpoint the device bus binds', metavar: 'ENDPOINT', default: DEFAULT_BUS, check: checkEndpoint },
  'bus-security': {
    type: 'string',
    help: 'curve: encrypted, only devices enrolled with "or-hub keys enrol" (hub keys are created on first start); plain: no encryption, refused off loopback',
    metavar: 'curve|plain',
    default: 'curve',
    check: checkOneOf(['curve', 'plain']),
  },
  'data-dir': { type: 'string', help: 'where recordings and settings live', metavar: 'DIR', default: DEFAULT_DATA_DIR },
  simulate: { type: 'boolean', help: 'also run the built-in simulated operating room' },
  dicom: { type: 'string', help: 'open the display with this DICOM series loaded (folder, DICOMDIR or DICOMweb URL)', metavar: 'PATH|URL' },
  'dicom-root': {
    type: 'strings',
    help: 'a DICOM folder displays may open (it and folders inside it); --dicom PATH is always allowed',
    metavar: 'DIR',
  },
  pacs: { type: 'strings', help: 'a DICOMweb service displays may search and load from (URLs below it too)', metavar: 'URL' },
  'pacs-credentials': { type: 'string', help: 'credentials for --pacs: lines "URL USER:PASSWORD" (or "* USER:PASSWORD"), file mode 0600', metavar: 'FILE' },
  'tls-cert': { type: 'string', help: 'serve the display over HTTPS with this PEM certificate (required with --host off loopback)', metavar: 'FILE' },
  'tls-key': { type: 'string', help: 'the PEM private key of --tls-cert', metavar: 'FILE' },
  'tls-self-signed': { type: 'boolean', help: 'serve HTTPS with a certificate the hub makes in the data dir (its fingerprint is printed)' },
  'no-supervisor': { type: 'boolean', help: 'run the hub in this process, without the supervisor that restarts it after a failure' },
  'hl7-out': {
    type: 'string',
    help: "send HL7 PCD-01 reports of the case's numerics to this MLLP receiver (AIMS, EMR); queued on disk while it is away",
    metavar: 'HOST:PORT',
    check: checkHostPort,
  },
  'hl7-out-interval': { type: 'number', help: 'seconds between two --hl7-out reports', metavar: 'S', default: 10, min: 1, max: 3600 },
  'igtl-out': {
    type: 'integer',
    help: "serve tracker poses as OpenIGTLink TRANSFORM messages on this TCP port (OpenIGTLink's usual port is 18944; 0 picks one)",
    metavar: 'PORT',
    min: 0,
    max: 65535,
  },
  'igtl-out-host': { type: 'string', help: 'address --igtl-out listens on', metavar: 'ADDR', default: '127.0.0.1', check: checkHost },
  'max-fre-mm': {
    type: 'number',
    help: 'a registration whose fiducial registration error is above this is refused unless confirmed (and recorded as confirmed)',
    metavar: 'MM',
    default: 2,
    min: 0.1,
    max: 50,
  },
} satisfies OptionSpecs;

const SIM_OPTIONS = {
  bus: { type: 'string', help: 'hub bus endpoint to connect to', metavar: 'ENDPOINT', check: checkEndpoint, required: 'the hub prints it as "bus: ..."' },
  'bus-data': {
    type: 'string',
    help: 'connect the data channel here instead of the address the hub offers (port forwarding, proxies)',
    metavar: 'ENDPOINT',
    check: checkEndpoint,
  },
  'no-data-channel': { type: 'boolean', help: 'send every frame on the control socket (protocol v1 devices)' },
  devices: {
    type: 'string',
    help: `comma-separated devices: ${SIM_DEVICE_NAMES.join(',')}`,
    metavar: 'LIST',
    default: SIM_DEVICE_NAMES.join(','),
    check: (v: string) => {
      const bad = v.split(',').filter((d) => !(SIM_DEVICE_NAMES as readonly string[]).includes(d));
      return bad.length ? `unknown device "${bad[0]}" (known: ${SIM_DEVICE_NAMES.join(', ')})` : null;
    },
  },
  speed: { type: 'string', help: 'simulated time runs K times faster than real time', metavar: 'K', default: '1', check: checkNumber(0.01, 1000) },
  'clock-offset-ms': { type: 'integer', help: "offset the devices' clocks by this many ms (clock-sync tests)", default: 0, min: -86400000, max: 86400000 },
  'drift-ppm': { type: 'integer', help: "make the devices' clocks drift by this many ppm", default: 0, min: -10000, max: 10000 },
  'id-suffix': {
    type: 'string',
    help: 'append this to device ids (several simulated rooms)',
    metavar: 'S',
    check: (v: string) => (/^[A-Za-z0-9._:-]{1,16}$/.test(v) ? null : 'must be 1-16 of [A-Za-z0-9._:-]'),
  },
  seed: { type: 'integer', help: 'random seed of the simulated patient', default: 42, min: 0, max: 2 ** 31 },
  scenario: {
    type: 'string',
    help: 'patient scenario: none, or tachy-desat (tachycardia from 5 s, desaturation from 8 s)',
    metavar: 'NAME',
    default: 'none',
    check: (v: string) => (v === 'none' || v === 'tachy-desat' ? null : `unknown scenario "${v}" (known: none, tachy-desat)`),
  },
  keys: {
    type: 'string',
    help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME"); without it the devices speak plain text',
    metavar: 'FILE',
  },
} satisfies OptionSpecs;

/**
 * Path of the Electron binary, or null when it is not installed (no internet at install time).
 * Reads node_modules/electron/path.txt (what the electron package's own index.js does) rather than
 * importing electron: the hub and its CLI never import Electron.
 */
function electronBinary(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'node_modules', 'electron');
    const txt = path.join(pkg, 'path.txt');
    if (fs.existsSync(txt)) {
      const bin = path.join(pkg, 'dist', fs.readFileSync(txt, 'utf8').trim());
      return fs.existsSync(bin) ? bin : null;
    }
    if (fs.existsSync(pkg) || path.dirname(dir) === dir) return null;
  }
}

function electronMain(): string {
  return path.join(__dirname, '../electron/main.cjs');
}

const startCommand = defineCommand({
  name: 'start',
  summary: 'run the hub (device bus, display server; --simulate adds the simulated OR)',
  description:
    'Runs the hub: device bus, ingest, display server. Prints "display: URL" once the display is served.\n' +
    'A supervisor restarts the hub within 2 s, on the same data dir, port, bus and display token, if it ends unexpectedly.',
  options: START_OPTIONS,
  async run({ values: f, argv, out, err }) {
    fs.mkdirSync(f['data-dir'], { recursive: true });
    if (!!f['tls-cert'] !== !!f['tls-key']) throw new UsageError('--tls-cert and --tls-key go together');
    if (f['tls-self-signed'] && f['tls-cert']) throw new UsageError('--tls-self-signed or --tls-cert/--tls-key, not both');
    const wantsTls = !!f['tls-cert'] || f['tls-self-signed'];
    if (!wantsTls && !isLoopbackHost(f.host)) {
      throw new UsageError(
        `--host ${f.host} is off loopback: plain HTTP would expose the display and its token to the network; ` +
          `add --tls-cert FILE --tls-key FILE, or --tls-self-signed`,
      );
    }
    const tls = f['tls-cert'] ? readTls(f['tls-cert'], f['tls-key']!) : f['tls-self-signed'] ? selfSigned(f['data-dir'], f.host) : undefined;
    let sources: DicomSources;
    try {
      sources = DicomSources.configure({ roots: f['dicom-root'], pacs: f.pacs, credentialsFile: f['pacs-credentials'], startDicom: f.dicom });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const supervised = process.env[ENV_SUPERVISED] === '1';
    if (!supervised && !f['no-supervisor']) {
      // The supervisor owns the window; the hub itself (the child) always runs headless.
      let electron: ReturnType<typeof spawn> | null = null;
      const code = await superviseHub({
        cli: process.argv[1],
        args: [...argv, '--headless'],
        log: err,
        onReady: (r) => {
          if (!f.headless) electron = openWindow(r.url, out, () => process.kill(process.pid, 'SIGTERM'));
        },
      });
      (electron as ReturnType<typeof spawn> | null)?.kill();
      return code;
    }
    const busSecurity = f['bus-security'] as 'curve' | 'plain';
    const running = await startHub({
      host: f.host,
      port: f.port,
      bus: f.bus,
      dataDir: f['data-dir'],
      simulate: f.simulate,
      dicom: f.dicom,
      log: err,
      busSecurity,
      restart: supervised ? restartInfo() : null,
      tls,
      sources,
      hl7Out: f['hl7-out'] ? { ...parseHostPort(f['hl7-out']), intervalS: f['hl7-out-interval'] } : undefined,
      igtlOut: f['igtl-out'] !== undefined ? { port: f['igtl-out'], host: f['igtl-out-host'] } : undefined,
      maxFreMm: f['max-fre-mm'],
    });
    if (tls) out(`display TLS certificate SHA-256: ${tls.fingerprint}`);
    out(`bus: ${running.busEndpoint}`);
    if (running.igtlOut) out(`openigtlink out: ${f['igtl-out-host']}:${running.igtlOut.port}`);
    if (running.busDataEndpoint) out(`bus data channel: ${running.busDataEndpoint}`);
    out(`display: ${running.displayUrl}`);
    reportToSupervisor({ port: running.server.port, bus: running.busEndpoint, token: running.token, url: running.displayUrl });
    const electron = f.headless || supervised ? null : openWindow(running.displayUrl, out, () => void shutdown());
    let closing = false;
    const shutdown = async () => {
      if (closing) return;
      closing = true;
      electron?.kill();
      await running.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown());
    process.on('SIGTERM', () => void shutdown());
    return new Promise<number>(() => {}); // runs until signalled
  },
});

/** Opens the Electron shell on the display URL, or says how to get one; null without a binary. */
function openWindow(url: string, out: (line: string) => void, onExit: () => void): ReturnType<typeof spawn> | null {
  const bin = electronBinary();
  if (!bin) {
    out(
      'hint: no Electron binary here (it downloads on install where internet exists: run "node ' +
        'node_modules/electron/install.js"); open the display URL above in a browser meanwhile.',
    );
    return null;
  }
  const electron = spawn(bin, [electronMain(), `--display-url=${url}`], { stdio: 'inherit' });
  electron.on('exit', onExit);
  return electron;
}

const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'run simulated OR devices that connect to a running hub',
  description: 'Runs simulated OR devices, each its own ZeroMQ peer, against a running hub.',
  options: SIM_OPTIONS,
  run({ values: f, command, out, err }) {
    const names = f.devices.split(',') as SimDeviceName[];
    const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
    const devices: SimDevice[] = names.map((n) =>
      createSimDevice(n, {
        endpoint: f.bus,
        speed: Number(f.speed),
        clockOffsetMs: f['clock-offset-ms'],
        driftPpm: f['drift-ppm'],
        idSuffix: f['id-suffix'],
        seed: f.seed,
        curve,
        dataEndpoint: f['bus-data'],
        dataChannel: !f['no-data-channel'],
        scenario: f.scenario as 'none' | 'tachy-desat',
      }),
    );
    for (const d of devices) d.start();
    // A plain simulator gets no answer from a CURVE hub (the default): say what to do.
    setTimeout(() => {
      if (!devices.some((d) => d.client.accepted))
        err(
          `${command}: no answer from the hub ` +
            `yet${curve ? '' : '; if it runs with --bus-security curve (the default), enrol a key ("or-hub keys enrol NAME") and pass --keys FILE'}`,
        );
    }, 5000).unref();
    out(`simulating ${names.join(', ')} on ${f.bus}`);
    const stop = async () => {
      await Promise.all(devices.map((d) => d.stop()));
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    // Started by a hub (`or-hub start --simulate`): go when the hub goes, even if it was killed.
    if (process.send) process.on('disconnect', () => void stop());
    return new Promise<number>(() => {});
  },
});

/** Every `or-hub` command. A new one is a defineCommand (or defineGroup) added here. */
export const OR_HUB = defineGroup({
  name: 'or-hub',
  summary: 'OR Hub: operating-room instrument hub.',
  commands: [
    startCommand,
    simulateCommand,
    gatewayCommand,
    dicomCommand,
    keysCommand,
    recordingsCommand,
    verifyCommand,
    annotateCommand,
    replayCommand,
    importCommand,
    exportCommand,
    displayUrlCommand,
    displayTokenCommand,
  ],
});

export function main(argv: string[], io: CliIo = STDIO): Promise<number> {
  // Recordings, exports, keys and tokens are patient or secret data: private to this user (0600/0700).
  privateUmask();
  return runCli(OR_HUB, argv, io);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`or-hub: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
