/**
 * `or-hub`: the command line of OR Hub. Each subcommand validates its flags strictly;
 * a usage problem prints one line and exits with status 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs, helpText, UsageError, checkEndpoint, checkHost, type FlagSpec } from './args';
import { startHub } from '../hub/app';
import { runDicomCli } from '../dicom/index';
import { runKeysCli } from './keys';
import { readDeviceKeyFile } from '../../native-bridge/node/key-store';
import { runRecordingsCli } from '../recorder/cli';
import { annotateViaHub } from './annotate-remote';
import { runExport, runImport } from '../interop/cli';
import { SIM_DEVICE_NAMES, createSimDevice, type SimDevice, type SimDeviceName } from '../../native-bridge/node/simulators/devices';

const DEFAULT_BUS = 'tcp://127.0.0.1:7400';

const out = (l: string) => process.stdout.write(l + '\n');
const err = (l: string) => process.stderr.write(l + '\n');

const TOP_HELP = `usage: or-hub <command> [flags]

OR Hub: operating-room instrument hub.

commands:
  start       run the hub (device bus, display server; --simulate adds the simulated OR)
  simulate    run simulated OR devices that connect to a running hub
  dicom       inspect DICOM series (or-hub dicom inspect PATH|URL)
  keys        device bus CURVE keys: init, enrol NAME, list, revoke NAME
  recordings  list and show procedure recordings
  verify      check a recording's tamper-evident annotation chain
  annotate    add an annotation to a case
  import      import a .vital file or a WFDB record as a recording
  export      export a recording as csv, json, edf or vital

Run "or-hub <command> --help" for the flags of each.`;

function checkNumber(min: number, max: number) {
  return (v: string): string | null => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n < min || n > max) return `must be a number between ${min} and ${max}, got "${v}"`;
    return null;
  };
}

const START_FLAGS = {
  headless: { type: 'bool', help: 'never open a window; serve the display over HTTP only' },
  host: { type: 'string', help: 'address the display server listens on', metavar: 'ADDR', default: '127.0.0.1', check: checkHost },
  port: { type: 'int', help: 'display server port; 0 picks a free one', default: 0, min: 0, max: 65535 },
  bus: { type: 'string', help: 'ZeroMQ endpoint the device bus binds', metavar: 'ENDPOINT', default: DEFAULT_BUS, check: checkEndpoint },
  'bus-security': {
    type: 'string',
    help: 'curve: encrypted, only devices enrolled with "or-hub keys enrol" (hub keys are created on first start); plain: no encryption, refused off loopback',
    metavar: 'curve|plain',
    default: 'curve',
    check: (v: string) => (v === 'curve' || v === 'plain' ? null : 'must be curve or plain'),
  },
  'data-dir': { type: 'string', help: 'where recordings and settings live', metavar: 'DIR', default: path.join(process.cwd(), '.or-hub-data') },
  simulate: { type: 'bool', help: 'also run the built-in simulated operating room' },
  dicom: { type: 'string', help: 'open the display with this DICOM series loaded (folder, DICOMDIR or DICOMweb URL)', metavar: 'PATH|URL' },
} satisfies Record<string, FlagSpec>;

const SIM_FLAGS = {
  bus: { type: 'string', help: 'hub bus endpoint to connect to (required)', metavar: 'ENDPOINT', check: checkEndpoint },
  'bus-data': { type: 'string', help: 'connect the data channel here instead of the address the hub offers (port forwarding, proxies)', metavar: 'ENDPOINT', check: checkEndpoint },
  'no-data-channel': { type: 'bool', help: 'send every frame on the control socket (protocol v1 devices)' },
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
  'clock-offset-ms': { type: 'int', help: 'offset the devices\' clocks by this many ms (clock-sync tests)', default: 0, min: -86400000, max: 86400000 },
  'drift-ppm': { type: 'int', help: 'make the devices\' clocks drift by this many ppm', default: 0, min: -10000, max: 10000 },
  'id-suffix': { type: 'string', help: 'append this to device ids (several simulated rooms)', metavar: 'S', check: (v: string) => (/^[A-Za-z0-9._:-]{1,16}$/.test(v) ? null : 'must be 1-16 of [A-Za-z0-9._:-]') },
  seed: { type: 'int', help: 'random seed of the simulated patient', default: 42, min: 0, max: 2 ** 31 },
  keys: { type: 'string', help: 'device key file for a CURVE bus (made by "or-hub keys enrol NAME"); without it the devices speak plain text', metavar: 'FILE' },
} satisfies Record<string, FlagSpec>;

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

async function cmdStart(argv: string[]): Promise<number> {
  const p = parseArgs('or-hub start', argv, START_FLAGS);
  if (p.help) {
    out(helpText('or-hub start [flags]', 'Runs the hub: device bus, ingest, display server. Prints "display: URL" once the display is served.', START_FLAGS));
    return 0;
  }
  const f = p.flags;
  fs.mkdirSync(f['data-dir']!, { recursive: true });
  const running = await startHub({ host: f.host!, port: f.port ?? 0, bus: f.bus!, dataDir: f['data-dir']!, simulate: f.simulate, dicom: f.dicom, log: err, busSecurity: f['bus-security'] as 'curve' | 'plain' });
  out(`bus: ${running.busEndpoint}`);
  if (running.busDataEndpoint) out(`bus data channel: ${running.busDataEndpoint}`);
  out(`display: ${running.displayUrl}`);
  let electron: ReturnType<typeof spawn> | null = null;
  if (!f.headless) {
    const bin = electronBinary();
    if (bin) {
      electron = spawn(bin, [electronMain(), `--display-url=${running.displayUrl}`], { stdio: 'inherit' });
      electron.on('exit', () => void shutdown());
    } else {
      out('hint: no Electron binary here (it downloads on install where internet exists: run "node node_modules/electron/install.js"); open the display URL above in a browser meanwhile.');
    }
  }
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
}

async function cmdSimulate(argv: string[]): Promise<number> {
  const p = parseArgs('or-hub simulate', argv, SIM_FLAGS);
  if (p.help) {
    out(helpText('or-hub simulate --bus ENDPOINT [flags]', 'Runs simulated OR devices, each its own ZeroMQ peer, against a running hub.', SIM_FLAGS));
    return 0;
  }
  const f = p.flags;
  if (!f.bus) throw new UsageError('or-hub simulate: --bus ENDPOINT is required (the hub prints it as "bus: ...")');
  const names = f.devices!.split(',') as SimDeviceName[];
  const curve = f.keys ? readDeviceKeyFile(f.keys) : undefined;
  const devices: SimDevice[] = names.map((n) =>
    createSimDevice(n, { endpoint: f.bus!, speed: Number(f.speed), clockOffsetMs: f['clock-offset-ms'], driftPpm: f['drift-ppm'], idSuffix: f['id-suffix'], seed: f.seed, curve, dataEndpoint: f['bus-data'], dataChannel: !f['no-data-channel'] }),
  );
  for (const d of devices) d.start();
  // A plain simulator gets no answer from a CURVE hub (the default): say what to do.
  setTimeout(() => {
    if (!devices.some((d) => d.client.accepted)) err(`or-hub simulate: no answer from the hub yet${curve ? '' : '; if it runs with --bus-security curve (the default), enrol a key ("or-hub keys enrol NAME") and pass --keys FILE'}`);
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
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out(TOP_HELP);
        return cmd === undefined ? 2 : 0;
      case 'start':
        return await cmdStart(rest);
      case 'simulate':
        return await cmdSimulate(rest);
      default:
        return (await extraCommand(cmd, rest)) ?? (err(`or-hub: unknown command "${cmd}" (see or-hub --help)`), 2);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      return 2;
    }
    err(`or-hub ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}

/** Commands provided by other modules (DICOM, recordings); undefined when cmd is unknown. */
async function extraCommand(cmd: string, rest: string[]): Promise<number | undefined> {
  switch (cmd) {
    case 'dicom':
      return runDicomCli(rest, out);
    case 'keys':
      return runKeysCli(rest, out);
    case 'annotate':
      return (await annotateViaHub(rest, out)) ?? runRecordingsCli([cmd, ...rest], out, err);
    case 'recordings':
    case 'verify':
      return runRecordingsCli([cmd, ...rest], out, err);
    case 'import':
    case 'export':
      return interopCommand(cmd, rest);
    default:
      return undefined;
  }
}

const IMPORT_FLAGS = {
  'data-dir': { type: 'string', help: 'data dir whose recordings/ receives the case', metavar: 'DIR', default: path.join(process.cwd(), '.or-hub-data') },
  procedure: { type: 'string', help: 'procedure name of the new case', metavar: 'NAME' },
  json: { type: 'bool', help: 'print the import report as JSON' },
} satisfies Record<string, FlagSpec>;

const EXPORT_FLAGS = {
  format: { type: 'string', help: 'csv, json, edf or vital', metavar: 'FORMAT' },
  out: { type: 'string', help: 'output file (a new folder for csv)', metavar: 'PATH' },
  from: { type: 'string', help: 'start: ISO time, Unix ms or a duration after the first sample (10m)', metavar: 'T' },
  to: { type: 'string', help: 'end, same forms as --from', metavar: 'T' },
  channels: { type: 'string', help: 'comma-separated channels: label, MDC term or DEVICE/INDEX', metavar: 'LIST' },
  deidentify: { type: 'bool', help: 'leave out patient identifiers and names, shift dates to 2000-01-01' },
  'data-dir': { type: 'string', help: 'data dir, when RECORDING is a case id', metavar: 'DIR' },
  json: { type: 'bool', help: 'print the export report as JSON' },
} satisfies Record<string, FlagSpec>;

/** `import` and `export` (main/interop/cli.ts); a usage problem from there is a usage error here. */
async function interopCommand(cmd: 'import' | 'export', rest: string[]): Promise<number> {
  try {
    if (cmd === 'import') {
      const p = parseArgs('or-hub import', rest, IMPORT_FLAGS, 1);
      if (p.help) return (out(helpText('or-hub import FILE [--data-dir DIR]', 'Imports a VitalRecorder .vital file or a PhysioNet WFDB record (.hea) as an ended case.', IMPORT_FLAGS)), 0);
      return await runImport({ file: p.positionals[0], dataDir: p.flags['data-dir']!, procedure: p.flags.procedure, json: p.flags.json }, out);
    }
    const p = parseArgs('or-hub export', rest, EXPORT_FLAGS, 1);
    if (p.help) return (out(helpText('or-hub export RECORDING --format csv|json|edf|vital --out PATH', 'Exports a recording (file, or case id with --data-dir).', EXPORT_FLAGS)), 0);
    const f = p.flags;
    return await runExport({ recording: p.positionals[0], dataDir: f['data-dir'], format: f.format ?? '', out: f.out ?? '', from: f.from, to: f.to, channels: f.channels, deidentify: f.deidentify, json: f.json }, out);
  } catch (e) {
    if ((e as { code?: string }).code === 'REC_USAGE') throw new UsageError(`or-hub ${(e as Error).message}`);
    // main() prefixes "or-hub CMD: "; the interop messages may already name the command.
    if (e instanceof Error && e.message.startsWith(`${cmd}: `)) e.message = e.message.slice(cmd.length + 2);
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      err(`or-hub: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
