/** `or-hub import` and `or-hub export`, declared on the command-line parser (main/cli/command.ts); the work is in cli.ts. */
import { UsageError, defineCommand } from '../cli/command';
import { runExport, runImport } from './cli';
import { DEFAULT_DATA_DIR } from '../hub/data-dir';

/** Interop functions report usage problems as StoreError REC_USAGE: they become exit 2; their messages may name the command. */
async function asCli(cmd: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    const msg = (e as Error).message.startsWith(`${cmd}: `) ? (e as Error).message.slice(cmd.length + 2) : (e as Error).message;
    if ((e as { code?: string }).code === 'REC_USAGE') throw new UsageError(msg);
    throw new Error(msg);
  }
}

export const importCommand = defineCommand({
  name: 'import',
  summary: 'import a .vital file or a WFDB record as a recording',
  description: 'Imports a VitalRecorder .vital file or a PhysioNet WFDB record (.hea) as an ended case (docs/interop.md).',
  options: {
    'data-dir': { type: 'string', help: 'data dir whose recordings/ receives the case', metavar: 'DIR', default: DEFAULT_DATA_DIR },
    procedure: { type: 'string', help: 'procedure name of the new case', metavar: 'NAME' },
    json: { type: 'boolean', help: 'print the import report as JSON' },
  },
  positionals: [{ name: 'FILE', help: 'a .vital file, or a WFDB record (RECORD or RECORD.hea)', required: true }],
  run: ({ values: f, positionals: [file], out }) =>
    asCli('import', () => runImport({ file, dataDir: f['data-dir'], procedure: f.procedure, json: f.json }, out)),
});

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export a recording as csv, json, edf or vital',
  description: 'Exports a recording (file, or case id with --data-dir) as CSV, JSON, EDF+ or .vital (docs/interop.md).',
  options: {
    format: { type: 'string', help: 'csv, json, edf or vital', metavar: 'FORMAT' },
    out: { type: 'string', help: 'output file (a new folder for csv)', metavar: 'PATH' },
    from: { type: 'string', help: 'start: ISO time, Unix ms or a duration after the first sample (10m)', metavar: 'T' },
    to: { type: 'string', help: 'end, same forms as --from', metavar: 'T' },
    channels: { type: 'string', help: 'comma-separated channels: label, MDC term or DEVICE/INDEX', metavar: 'LIST' },
    deidentify: { type: 'boolean', help: 'leave out patient identifiers and names, shift dates to 2000-01-01' },
    'data-dir': { type: 'string', help: 'data dir, when RECORDING is a case id', metavar: 'DIR' },
    json: { type: 'boolean', help: 'print the export report as JSON' },
  },
  positionals: [{ name: 'RECORDING', help: 'a .orrec file, or a case id with --data-dir', required: true }],
  run: ({ values: f, positionals: [recording], out }) =>
    asCli('export', () =>
      runExport(
        {
          recording,
          dataDir: f['data-dir'],
          format: f.format ?? '',
          out: f.out ?? '',
          from: f.from,
          to: f.to,
          channels: f.channels,
          deidentify: f.deidentify,
          json: f.json,
        },
        out,
      ),
    ),
});
