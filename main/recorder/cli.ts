/**
 * `or-hub recordings list|show`, `or-hub verify`, `or-hub annotate`, working
 * directly on recording files in a data dir. Exit codes: 0 ok, 1 failure
 * (not found, chain broken, refused), 2 usage (unknown flag, bad value).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AnnotationInput, INTEGRATION_ROLE, loadPresets, parseDurationMs } from './annotations';
import { RecordingStore, StoreError, listRecordingFiles, recordingPath } from './store';

type Out = (line: string) => void;

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `usage: or-hub <command> [options]
  recordings list [--json] --data-dir DIR        list recordings
  recordings show ID [--json] --data-dir DIR     channels, gaps and annotations of one recording
  verify RECORDING [--data-dir DIR] [--json]     check the annotation hash chain (RECORDING: file or id)
  annotate --data-dir DIR --case ID --kind KIND  add an annotation (see annotate --help)`,
  list: `usage: or-hub recordings list [--json] --data-dir DIR
  Lists every recording in DIR/recordings: id, state, procedure, room, start, duration, size.`,
  show: `usage: or-hub recordings show ID [--json] --data-dir DIR
  Shows a recording: case, devices, channels (first/last sample time, samples), gaps, annotations.
  Patient identifiers are never printed.`,
  verify: `usage: or-hub verify RECORDING [--data-dir DIR] [--json]
  RECORDING is a recording file, or a case id with --data-dir.
  Checks every annotation's hash and its link to the previous one. Exit 1 when the chain is broken.`,
  annotate: `usage: or-hub annotate --data-dir DIR --case ID --kind KIND [options]
  KIND: a standard moment (patient-in-room, anaesthesia-start, time-out, incision, specimen-out,
        closure-start, anaesthesia-end, patient-out), a configured preset, note, bolus or blood-loss
  --text TEXT              free text (required for note)
  --drug NAME --dose N --unit U   bolus given by hand (e.g. --drug Propofol --dose 150 --unit mg)
  --ml N                   blood loss in millilitres
  --ago DURATION           back-date, e.g. 2m, 90s, 1h30m
  --role ROLE [--name NAME]  who: a role from the case's team (name defaults to that member);
                           without --role: role "integration", name from --name or "terminal"
  --json                   print the acknowledgement as JSON`,
};

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

function parse(args: string[], valued: readonly string[], bool: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (bool.includes(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (valued.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      if (flags.has(name)) throw new UsageError(`--${name} given twice`);
      flags.set(name, v);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positional, flags };
}

function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function num(p: Parsed, name: string): number | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, not "${v}"`);
  return n;
}

function needDataDir(p: Parsed): string {
  const d = str(p, 'data-dir');
  if (d === undefined) throw new UsageError('--data-dir DIR is required');
  if (!fs.existsSync(d)) throw new StoreError(`data dir ${d} does not exist`, 'REC_NOT_FOUND');
  return d;
}

function iso(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m${String(s % 60).padStart(2, '0')}s`;
}

function fileSize(f: string): number {
  return ['', '-wal'].reduce((a, s) => a + (fs.existsSync(f + s) ? fs.statSync(f + s).size : 0), 0);
}

/** A recording given as a file path, or as a case id in --data-dir. */
function resolveRecording(ref: string, dataDir: string | undefined): string {
  if (fs.existsSync(ref) && fs.statSync(ref).isFile()) return ref;
  if (dataDir === undefined) throw new StoreError(`no recording file ${ref} (give a file, or an id with --data-dir)`, 'REC_NOT_FOUND');
  let f: string;
  try {
    f = recordingPath(dataDir, ref);
  } catch {
    throw new UsageError(`"${ref}" is not a recording id`);
  }
  if (!fs.existsSync(f)) throw new StoreError(`no recording ${ref} in ${dataDir}`, 'REC_NOT_FOUND');
  return f;
}

function list(p: Parsed, out: Out): number {
  const dir = needDataDir(p);
  const rows = listRecordingFiles(dir).map((f) => {
    try {
      const s = RecordingStore.open(f, { readonly: true });
      try {
        const c = s.caseInfo();
        const end = c.endedMs ?? c.lastDataMs ?? s.lastDataMs() ?? c.startedMs ?? c.createdMs;
        return { id: c.id, state: c.state, procedure: c.procedure, room: c.room, createdMs: c.createdMs, startedMs: c.startedMs, endedMs: c.endedMs, durationMs: c.startedMs === null ? 0 : end - c.startedMs, bytes: fileSize(f), file: f };
      } finally {
        s.close();
      }
    } catch (e) {
      return { id: path.basename(f), state: 'unreadable', error: (e as Error).message, file: f };
    }
  });
  if (p.flags.has('json')) {
    out(JSON.stringify(rows));
    return 0;
  }
  if (rows.length === 0) {
    out(`no recordings in ${dir}`);
    return 0;
  }
  out(['ID', 'STATE', 'PROCEDURE', 'ROOM', 'STARTED', 'DURATION', 'SIZE'].join('\t'));
  for (const r of rows) {
    if ('error' in r) out(`${r.id}\t${r.state}\t${r.error}`);
    else out([r.id, r.state, r.procedure, r.room || '-', iso(r.startedMs), duration(r.durationMs), `${(r.bytes / 1048576).toFixed(1)} MiB`].join('\t'));
  }
  return 0;
}

function show(p: Parsed, out: Out): number {
  const dir = needDataDir(p);
  const id = p.positional[0];
  if (id === undefined || p.positional.length > 1) throw new UsageError('recordings show takes one recording id');
  const s = RecordingStore.open(resolveRecording(id, dir), { readonly: true });
  try {
    const c = s.caseInfo();
    const channels = s.channelSummaries();
    const gaps = s.gaps();
    const annotations = s.currentAnnotations();
    const versions = s.annotationHistory().length;
    const devices = s.devices();
    const hasPatient = s.patient() !== undefined;
    if (p.flags.has('json')) {
      out(JSON.stringify({ case: c, patientIdentifiers: hasPatient ? 'present (not shown)' : 'absent', devices, channels, gaps, annotations, annotationVersions: versions, dicomShown: s.dicomShown(-Infinity, Infinity), registrations: s.registrations(-Infinity, Infinity) }));
      return 0;
    }
    out(`${c.id}  ${c.procedure}  room ${c.room || '-'}  ${c.state}`);
    out(`created ${iso(c.createdMs)}  started ${iso(c.startedMs)}  ended ${iso(c.endedMs)}`);
    out(`team: ${c.team.map((m) => `${m.role} ${m.name}`).join(', ') || '-'}`);
    out(`patient identifiers: ${hasPatient ? 'present (not shown)' : 'absent'}`);
    out(`devices (${devices.length}): ${devices.map((d) => `${d.deviceId} (${d.kind})`).join(', ') || '-'}`);
    out(`channels (${channels.length}):`);
    out(['  DEVICE', 'CH', 'KIND', 'LABEL', 'RATE', 'FIRST', 'LAST', 'SAMPLES'].join('\t'));
    for (const ch of channels) out([`  ${ch.deviceId}`, ch.channel, ch.kind, ch.label || '-', ch.rateHz ?? '-', iso(ch.firstMs), iso(ch.lastMs), ch.samples].join('\t'));
    out(`gaps (${gaps.length}):`);
    for (const g of gaps) out(`  ${iso(g.fromMs)} .. ${iso(g.toMs)}  ${g.deviceId}${g.channel >= 0 ? `/${g.channel}` : ''}  ${g.reason}${g.lostFrames ? `, ${g.lostFrames} frames lost` : ''}`);
    for (const d of s.dicomShown(-Infinity, Infinity)) out(`images shown ${iso(d.tMs)}: ${d.modality ?? ''} ${d.description ?? ''} (${d.seriesUid}) from ${d.source ?? '-'}`);
    for (const r of s.registrations(-Infinity, Infinity)) out(`registration ${iso(r.tMs)}: ${r.method ?? ''}, FRE ${r.freMm?.toFixed(2) ?? '-'} mm (series ${r.seriesUid ?? '-'})`);
    out(`annotations (${annotations.length}, ${versions} versions):`);
    for (const a of annotations) {
      const d = a.kind === 'bolus' ? ` ${a.data.drug} ${a.data.dose} ${a.data.unit}` : a.kind === 'blood-loss' ? ` ${a.data.ml} ml` : '';
      out(`  ${iso(a.tMs)}  ${a.kind}${d}${a.text ? ` "${a.text}"` : ''}  by ${a.role} ${a.name}${a.version > 1 ? `  (v${a.version})` : ''}  ${a.entryId}`);
    }
    return 0;
  } finally {
    s.close();
  }
}

function verify(p: Parsed, out: Out): number {
  const ref = p.positional[0];
  if (ref === undefined || p.positional.length > 1) throw new UsageError('verify takes one recording (file or id)');
  const s = RecordingStore.open(resolveRecording(ref, str(p, 'data-dir')), { readonly: true });
  try {
    const v = s.verifyAnnotations();
    if (p.flags.has('json')) out(JSON.stringify(v));
    else if (v.ok) out(`OK: ${v.entries} annotation entries, hash chain intact`);
    else {
      out(`BROKEN: ${v.problems.length} problem(s) in ${v.entries} annotation entries`);
      for (const pr of v.problems) out(`  ${pr}`);
    }
    return v.ok ? 0 : 1;
  } finally {
    s.close();
  }
}

function annotate(p: Parsed, out: Out): number {
  const dir = needDataDir(p);
  if (p.positional.length > 0) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
  const caseId = str(p, 'case');
  if (caseId === undefined) throw new UsageError('--case ID is required');
  const kind = str(p, 'kind');
  if (kind === undefined) throw new UsageError('--kind is required');
  // Without --role the entry is attributed to the "integration" role, named by --name or "terminal".
  const role = str(p, 'role') ?? INTEGRATION_ROLE;
  const name = str(p, 'name') ?? (str(p, 'role') === undefined ? 'terminal' : undefined);
  const agoText = str(p, 'ago');
  const agoMs = agoText === undefined ? undefined : parseDurationMs(agoText);
  if (agoText !== undefined && agoMs === undefined) throw new UsageError(`--ago must be a duration like 2m, 90s or 1h30m, not "${agoText}"`);
  const input: AnnotationInput = { kind, role, name, text: str(p, 'text'), drug: str(p, 'drug'), dose: num(p, 'dose'), unit: str(p, 'unit'), bloodLossMl: num(p, 'ml'), agoMs };
  const presets = loadPresets(dir).presets;
  const s = RecordingStore.open(resolveRecording(caseId, dir));
  try {
    const c = s.caseInfo();
    if (c.state === 'ended') throw new StoreError(`case ${c.id} has ended; annotations are closed`, 'REC_ENDED');
    let ack;
    try {
      ack = s.appendAnnotation({ action: 'create', input }, presets, Date.now());
    } catch (e) {
      if (e instanceof StoreError && e.code === 'REC_BAD_ANNOTATION') throw new UsageError(e.message);
      throw e;
    }
    if (p.flags.has('json')) out(JSON.stringify(ack));
    else out(`annotated ${kind} at ${iso(ack.tMs)} as entry ${ack.entryId} (seq ${ack.seq})`);
    return 0;
  } finally {
    s.close();
  }
}

/**
 * Runs `recordings list|show`, `verify` or `annotate`. `argv` starts at the
 * command word (e.g. ['recordings', 'list', '--data-dir', 'd']).
 */
export async function runRecordingsCli(argv: string[], out: Out, err: Out = out): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === 'help') {
      out(HELP.main);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === 'recordings') {
      const [sub, ...args] = rest;
      if (sub === 'list' || sub === 'show') {
        const p = parse(args, ['data-dir'], ['json', 'help']);
        if (p.flags.has('help')) return (out(HELP[sub]), 0);
        if (sub === 'list' && p.positional.length > 0) throw new UsageError(`unexpected argument "${p.positional[0]}"`);
        return sub === 'list' ? list(p, out) : show(p, out);
      }
      if (sub === '--help' || sub === undefined) {
        out(`${HELP.list}\n${HELP.show}`);
        return sub === undefined ? 2 : 0;
      }
      throw new UsageError(`unknown command "recordings ${sub}" (list, show)`);
    }
    if (cmd === 'verify') {
      const p = parse(rest, ['data-dir'], ['json', 'help']);
      if (p.flags.has('help')) return (out(HELP.verify), 0);
      return verify(p, out);
    }
    if (cmd === 'annotate') {
      const p = parse(rest, ['data-dir', 'case', 'kind', 'text', 'drug', 'dose', 'unit', 'ml', 'ago', 'role', 'name'], ['json', 'help']);
      if (p.flags.has('help')) return (out(HELP.annotate), 0);
      return annotate(p, out);
    }
    throw new UsageError(`unknown command "${cmd}"`);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`or-hub ${cmd ?? ''}: ${e.message} (try --help)`);
      return 2;
    }
    err(`or-hub ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}
