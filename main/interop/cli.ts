/**
 * `or-hub import` and `or-hub export` as plain functions over parsed options, so any CLI parser
 * can call them. Errors are one line: UsageError-style problems carry code 'REC_USAGE'.
 *
 *   or-hub import FILE [--data-dir DIR] [--procedure NAME]      FILE: .vital, or a WFDB record (.hea)
 *   or-hub export RECORDING --format csv|json|edf|vital --out PATH [--from T --to T] [--channels LIST] [--deidentify] [--data-dir DIR]
 *
 * T: an ISO 8601 time (2026-03-14T09:30:05Z), Unix ms, or a duration after the recording's
 * first sample (90s, 10m, 1h30m, optionally with a leading +).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDurationMs } from '../recorder/annotations';
import { StoreError, recordingPath } from '../recorder/store';
import { exportEdf } from './edf-export';
import { ExportSource } from './export-source';
import { exportCsv, exportJson } from './table-export';
import { exportVital } from './vital-export';
import { importVital } from './vital-import';
import { importWfdb } from './wfdb-import';

type Out = (line: string) => void;

export const EXPORT_FORMATS = ['csv', 'json', 'edf', 'vital'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ImportOpts {
  file: string;
  dataDir: string;
  procedure?: string;
  json?: boolean;
}

export interface ExportOpts {
  recording: string;
  dataDir?: string;
  format: string;
  out: string;
  from?: string;
  to?: string;
  channels?: string;
  deidentify?: boolean;
  json?: boolean;
}

function usage(message: string): StoreError {
  return new StoreError(message, 'REC_USAGE');
}

export async function runImport(o: ImportOpts, out: Out): Promise<number> {
  if (!o.file) throw usage('import: give the file to import (a .vital file or a WFDB .hea header)');
  if (!fs.existsSync(o.file) && !fs.existsSync(`${o.file}.hea`)) throw new StoreError(`import: no file ${o.file}`, 'REC_NOT_FOUND');
  const ext = path.extname(o.file).toLowerCase();
  const wfdb = ext === '.hea' || fs.existsSync(`${o.file}.hea`);
  if (ext !== '.vital' && !wfdb) throw usage(`import: ${o.file} is neither a .vital file nor a WFDB record (.hea)`);
  fs.mkdirSync(o.dataDir, { recursive: true });
  let rep;
  if (ext === '.vital') rep = await importVital(o.file, { dataDir: o.dataDir, procedure: o.procedure });
  else if (ext === '.hea' || fs.existsSync(`${o.file}.hea`))
    rep = importWfdb(ext === '.hea' ? o.file : `${o.file}.hea`, { dataDir: o.dataDir, procedure: o.procedure });
  else throw usage(`import: ${o.file} is neither a .vital file nor a WFDB record (.hea)`);
  if (o.json) out(JSON.stringify(rep));
  else {
    out(
      `imported ${path.basename(o.file)} as case ${rep.caseId}: ${rep.channels} channels, ${rep.samples} samples, ` +
        `${rep.annotations} annotations, ${rep.events} events, ${rep.alarms} alarms`,
    );
    out(`file: ${rep.file}`);
    for (const w of rep.warnings) out(`warning: ${w}`);
  }
  return 0;
}

/** Parses a --from/--to value; `baseMs` is the recording's first sample time. */
export function parseTime(v: string, baseMs: number, flag: string): number {
  const s = v.trim();
  if (/^\d{11,}(\.\d+)?$/.test(s)) return Number(s);
  const d = parseDurationMs(s.replace(/^\+/, ''));
  if (d !== undefined) return baseMs + d;
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw usage(`export: ${flag} must be an ISO time (2026-03-14T09:30:05Z), Unix ms or a duration after the start (10m), not "${v}"`);
}

function resolveRecording(ref: string, dataDir: string | undefined): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isFile()) return ref;
  if (dataDir !== undefined) {
    let f: string;
    try {
      f = recordingPath(dataDir, ref);
    } catch {
      throw usage(`export: "${ref}" is neither a recording file nor a case id`);
    }
    if (fs.existsSync(f)) return f;
    throw new StoreError(`export: no recording ${ref} in ${dataDir}`, 'REC_NOT_FOUND');
  }
  throw new StoreError(`export: no recording file ${ref} (give a file, or a case id with --data-dir)`, 'REC_NOT_FOUND');
}

export async function runExport(o: ExportOpts, out: Out): Promise<number> {
  if (!o.recording) throw usage('export: give the recording (a .orrec file, or a case id with --data-dir)');
  if (!(EXPORT_FORMATS as readonly string[]).includes(o.format))
    throw usage(`export: --format must be one of ${EXPORT_FORMATS.join(', ')}${o.format ? `, not "${o.format}"` : ''}`);
  if (!o.out) throw usage('export: --out PATH is required');
  const file = resolveRecording(o.recording, o.dataDir);
  // --from/--to may be durations after the first sample: only then is the recording opened first to find it.
  let base = NaN;
  if (o.from !== undefined || o.to !== undefined) {
    const probe = ExportSource.open(file, {});
    base = probe.fromMs;
    probe.close();
  }
  const src = ExportSource.open(file, {
    fromMs: o.from !== undefined ? parseTime(o.from, base, '--from') : undefined,
    toMs: o.to !== undefined ? parseTime(o.to, base, '--to') : undefined,
    channels: o.channels
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    deidentify: o.deidentify,
  });
  try {
    const format = o.format as ExportFormat;
    const rep =
      format === 'edf'
        ? exportEdf(src, o.out)
        : format === 'vital'
          ? await exportVital(src, o.out)
          : format === 'csv'
            ? exportCsv(src, o.out)
            : exportJson(src, o.out);
    if (o.json) out(JSON.stringify({ format, out: o.out, caseId: src.caseId, ...rep }));
    else {
      out(`exported ${src.info.id}${o.deidentify ? ` (de-identified as ${src.caseId})` : ''} to ${o.out} (${format})`);
      for (const l of (rep as { lossy?: string[] }).lossy ?? []) out(`note: ${l}`);
    }
    return 0;
  } finally {
    src.close();
  }
}
