/**
 * `or-hub recordings list|show`, `or-hub verify`, `or-hub annotate`, working
 * directly on recording files in a data dir. Exit codes: 0 ok, 1 failure
 * (not found, chain broken, refused), 2 usage (unknown flag, bad value).
 * Declared with main/cli/command.ts; main/cli/annotate.ts routes `annotate` through a running hub first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type AnnotationAck, type AnnotationInput, INTEGRATION_ROLE, loadPresets, parseDurationMs } from './annotations';
import { RecordingStore, StoreError, listRecordingFiles, recordingPath } from './store';
import { LEVEL_OF_PRIORITY } from '../hub/alarm-board';
import type { AlarmPriority } from '../../native-bridge/common/wire';
import { UsageError, defineCommand, defineGroup, type OptionSpecs, type OptionValues, type Out } from '../cli/command';

const JSON_OPTION = { json: { type: 'boolean', help: 'print one JSON document instead of text' } } satisfies OptionSpecs;
const DATA_DIR = { type: 'string', help: 'the hub data folder (recordings are in its recordings/ subfolder)', metavar: 'DIR' } as const;

function existingDataDir(d: string): string {
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

const list = defineCommand({
  name: 'list',
  summary: 'list recordings',
  description: 'Lists every recording in DIR/recordings: id, state, procedure, room, start, duration, size.',
  options: { 'data-dir': { ...DATA_DIR, required: true }, ...JSON_OPTION },
  run({ values, out }) {
    const dir = existingDataDir(values['data-dir']);
    const rows = listRecordingFiles(dir).map((f) => {
      try {
        const s = RecordingStore.open(f, { readonly: true });
        try {
          const c = s.caseInfo();
          const end = c.endedMs ?? c.lastDataMs ?? s.lastDataMs() ?? c.startedMs ?? c.createdMs;
          return {
            id: c.id,
            state: c.state,
            procedure: c.procedure,
            room: c.room,
            createdMs: c.createdMs,
            startedMs: c.startedMs,
            endedMs: c.endedMs,
            durationMs: c.startedMs === null ? 0 : end - c.startedMs,
            bytes: fileSize(f),
            file: f,
          };
        } finally {
          s.close();
        }
      } catch (e) {
        return { id: path.basename(f), state: 'unreadable', error: (e as Error).message, file: f };
      }
    });
    if (values.json) {
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
  },
});

const show = defineCommand({
  name: 'show',
  summary: 'channels, gaps and annotations of one recording',
  description: 'Shows a recording: case, devices, channels (first/last sample time, samples), gaps, annotations.\nPatient identifiers are never printed.',
  options: { 'data-dir': { ...DATA_DIR, required: true }, ...JSON_OPTION },
  positionals: [{ name: 'ID', help: 'the recording (case) id', required: true }],
  run({ values, positionals: [id], out }) {
    const s = RecordingStore.open(resolveRecording(id, existingDataDir(values['data-dir'])), { readonly: true });
    try {
      const c = s.caseInfo();
      const channels = s.channelSummaries();
      const gaps = s.gaps();
      const annotations = s.currentAnnotations();
      const versions = s.annotationHistory().length;
      const devices = s.devices();
      const hasPatient = s.patient() !== undefined;
      const alarmLog = s.alarmLog().map(({ detailJson, ...a }) => ({ ...a, detail: JSON.parse(detailJson) as unknown }));
      const chain = s.checkAnnotationChain();
      const annotationHead = chain.head ? { ...chain.head, anchored: chain.anchored?.seq === chain.head.seq && chain.anchored.hash === chain.head.hash } : null;
      if (values.json) {
        out(
          JSON.stringify({
            case: c,
            patientIdentifiers: hasPatient ? 'present (not shown)' : 'absent',
            devices,
            channels,
            gaps,
            annotations,
            annotationVersions: versions,
            annotationHead,
            dicomShown: s.dicomShown(-Infinity, Infinity),
            registrations: s.registrations(-Infinity, Infinity),
            alarms: alarmLog,
          }),
        );
        return 0;
      }
      out(`${c.id}  ${c.procedure}  room ${c.room || '-'}  ${c.state}`);
      out(`created ${iso(c.createdMs)}  started ${iso(c.startedMs)}  ended ${iso(c.endedMs)}`);
      out(`team: ${c.team.map((m) => `${m.role} ${m.name}`).join(', ') || '-'}`);
      out(`patient identifiers: ${hasPatient ? 'present (not shown)' : 'absent'}`);
      out(`devices (${devices.length}): ${devices.map((d) => `${d.deviceId} (${d.kind})`).join(', ') || '-'}`);
      out(`channels (${channels.length}):`);
      out(['  DEVICE', 'CH', 'KIND', 'LABEL', 'RATE', 'FIRST', 'LAST', 'SAMPLES'].join('\t'));
      for (const ch of channels)
        out([`  ${ch.deviceId}`, ch.channel, ch.kind, ch.label || '-', ch.rateHz ?? '-', iso(ch.firstMs), iso(ch.lastMs), ch.samples].join('\t'));
      out(`gaps (${gaps.length}):`);
      for (const g of gaps)
        out(
          `  ${iso(g.fromMs)} .. ${iso(g.toMs)}  ${g.deviceId}${g.channel >= 0 ? `/${g.channel}` : ''}  ` +
            `${g.reason}${g.lostFrames ? `, ${g.lostFrames} frames lost` : ''}`,
        );
      for (const d of s.dicomShown(-Infinity, Infinity))
        out(`images shown ${iso(d.tMs)}: ${d.modality ?? ''} ${d.description ?? ''} (${d.seriesUid}) from ${d.source ?? '-'}`);
      for (const r of s.registrations(-Infinity, Infinity))
        out(`registration ${iso(r.tMs)}: ${r.method ?? ''}, FRE ${r.freMm?.toFixed(2) ?? '-'} mm (series ${r.seriesUid ?? '-'})`);
      out(`alarm changes (${alarmLog.length}):`);
      for (const a of alarmLog) {
        out(
          `  ${iso(a.tMs)}  ${a.action}  ${LEVEL_OF_PRIORITY[a.priority as AlarmPriority] ?? a.priority}  ${a.text}  (${a.key})${a.who ? `  by ${a.who}` : ''}`,
        );
      }
      out(`annotations (${annotations.length}, ${versions} versions):`);
      if (annotationHead)
        out(
          `  chain head: seq ${annotationHead.seq} ${annotationHead.hash} ` +
            `(${annotationHead.anchored ? 'anchored in the data dir' : 'NOT matching the anchored head: run or-hub verify'})`,
        );
      for (const a of annotations) {
        const d = a.kind === 'bolus' ? ` ${a.data.drug} ${a.data.dose} ${a.data.unit}` : a.kind === 'blood-loss' ? ` ${a.data.ml} ml` : '';
        out(`  ${iso(a.tMs)}  ${a.kind}${d}${a.text ? ` "${a.text}"` : ''}  by ${a.role} ${a.name}${a.version > 1 ? `  (v${a.version})` : ''}  ${a.entryId}`);
      }
      return 0;
    } finally {
      s.close();
    }
  },
});

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: "check a recording's tamper-evident annotation chain",
  description: "Checks every annotation's hash and its link to the previous one. Exit 1 when the chain is broken.",
  options: { 'data-dir': { ...DATA_DIR, help: 'the hub data folder, when RECORDING is an id' }, ...JSON_OPTION },
  positionals: [{ name: 'RECORDING', help: 'a recording file, or a case id with --data-dir', required: true }],
  run({ values, positionals: [ref], out }) {
    const s = RecordingStore.open(resolveRecording(ref, values['data-dir']), { readonly: true });
    try {
      const v = s.checkAnnotationChain();
      if (values.json) out(JSON.stringify({ ok: v.ok, entries: v.entries, problems: v.problems, warnings: v.warnings, head: v.head, anchored: v.anchored }));
      else {
        if (v.ok) out(`OK: ${v.entries} annotation entries, hash chain intact`);
        else {
          out(`BROKEN: ${v.problems.length} problem(s) in ${v.entries} annotation entries`);
          for (const pr of v.problems) out(`  ${pr}`);
        }
        for (const w of v.warnings) out(`  note: ${w}`);
      }
      return v.ok ? 0 : 1;
    } finally {
      s.close();
    }
  },
});

/** The flags of `or-hub annotate`, both when it writes the recording and when it goes through a running hub. */
export const ANNOTATE_OPTIONS = {
  'data-dir': { ...DATA_DIR, required: true },
  case: { type: 'string', help: "case id (through a running hub: must be the hub's active case)", metavar: 'ID' },
  kind: { type: 'string', help: 'a standard moment, a configured preset, note, bolus or blood-loss (see above)', metavar: 'KIND', required: true },
  text: { type: 'string', help: 'free text (required for note)', metavar: 'TEXT' },
  drug: { type: 'string', help: 'bolus drug given by hand, with --dose and --unit (e.g. --drug Propofol --dose 150 --unit mg)', metavar: 'NAME' },
  dose: { type: 'number', help: 'bolus dose', metavar: 'N' },
  confirm: { type: 'boolean', help: 'record a dose or blood loss above its usual limit (the hub refuses it without this)' },
  unit: { type: 'string', help: 'bolus unit (UCUM, e.g. mg)', metavar: 'U' },
  ml: { type: 'number', help: 'blood loss in millilitres', metavar: 'N' },
  ago: { type: 'string', help: 'back-date, e.g. 2m, 90s, 1h30m', metavar: 'DURATION' },
  role: { type: 'string', help: "who: a role from the case's team (name defaults to that member)", metavar: 'ROLE' },
  name: { type: 'string', help: 'who: the name (without --role: role "integration", name from --name or "terminal")', metavar: 'NAME' },
  ...JSON_OPTION,
} satisfies OptionSpecs;

export type AnnotateValues = OptionValues<typeof ANNOTATE_OPTIONS>;

export const ANNOTATE_DESCRIPTION = `Adds an annotation to a case.
KIND: a standard moment (patient-in-room, anaesthesia-start, time-out, incision, specimen-out,
      closure-start, anaesthesia-end, patient-out), a configured preset, note, bolus or blood-loss`;

/** The annotation `or-hub annotate` asks for. Without --role the entry is attributed to the "integration" role, named by --name or "terminal". */
export function annotationInput(f: AnnotateValues): AnnotationInput {
  const agoMs = f.ago === undefined ? undefined : parseDurationMs(f.ago);
  if (f.ago !== undefined && agoMs === undefined) throw new UsageError(`--ago must be a duration like 2m, 90s or 1h30m, not "${f.ago}"`);
  const role = f.role ?? INTEGRATION_ROLE;
  const name = f.name ?? (f.role === undefined ? 'terminal' : undefined);
  return {
    kind: f.kind,
    role,
    name,
    text: f.text,
    drug: f.drug,
    dose: f.dose,
    unit: f.unit,
    bloodLossMl: f.ml,
    agoMs,
    ...(f.confirm ? { confirmed: true } : {}),
  };
}

export function printAnnotationAck(f: AnnotateValues, ack: AnnotationAck, out: Out, suffix = ''): void {
  if (f.json) out(JSON.stringify(ack));
  else out(`annotated ${f.kind} at ${iso(ack.tMs)} as entry ${ack.entryId} (seq ${ack.seq})${suffix}`);
}

/** `or-hub annotate` writing the case's recording file itself (no hub running on the data dir). */
export const annotateFileCommand = defineCommand({
  name: 'annotate',
  summary: 'add an annotation to a case',
  description: ANNOTATE_DESCRIPTION,
  options: ANNOTATE_OPTIONS,
  run({ values, out }) {
    const dir = existingDataDir(values['data-dir']);
    if (values.case === undefined) throw new UsageError('--case ID is required');
    const input = annotationInput(values);
    const presets = loadPresets(dir).presets;
    const s = RecordingStore.open(resolveRecording(values.case, dir));
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
      printAnnotationAck(values, ack, out);
      return 0;
    } finally {
      s.close();
    }
  },
});

export const recordingsCommand = defineGroup({
  name: 'recordings',
  summary: 'list and show procedure recordings',
  description: 'Procedure recordings in a data dir: list them, or show one.',
  commands: [list, show],
});

/** The recorder's commands as they appear under `or-hub`. */
export const RECORDER_COMMANDS = [recordingsCommand, verifyCommand, annotateFileCommand];
