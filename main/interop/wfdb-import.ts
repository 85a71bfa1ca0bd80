/**
 * `or-hub import RECORD.hea`: a PhysioNet WFDB record becomes an OR Hub recording.
 * - Device "wfdb-<record>", one wave channel per signal (label = the signal description), raw ADC
 *   counts with scale = 1/gain and offset = -baseline/gain (physical = (raw - baseline) / gain).
 *   Signals below 1 Hz (MIMIC numerics records) become numeric channels.
 * - Samples equal to the format's invalid value (WFDB_INVALID_SAMPLE, -32768 / -2048 / -128) are
 *   left out: the hole is a hole.
 * - Multi-segment records: segments are placed at their frame offsets; null segments ("~") and
 *   segments whose files are missing become gaps; a signal keeps one channel across segments (by description).
 * - Annotation files beside the header (.atr, .ecg, .qrs, ...) become device events: code = mnemonic
 *   (N, V, +, ...), text = the aux string, at sample / frame rate.
 * - Start: the header's base time and date (taken as UTC); without them, 2000-01-01T00:00:00Z.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChannelDescriptor, DeviceDescriptor } from '../../native-bridge/common/descriptor';
import { type WfdbHeader, WfdbError, isMultiSegment, parseWfdbHeader, parseWfdbMultiHeader, readWfdbRecord, wfdbBaseMs } from '../recorder/wfdb';
import { CaseWriter, importedDeviceId } from './case-writer';
import type { ImportOptions, ImportReport } from './vital-import';
import { readWfdbAnnotations } from './wfdb-annotations';
import { ucumUnit } from './vital-tracks';

const DEFAULT_START_MS = Date.UTC(2000, 0, 1);
const ANNOTATORS = ['atr', 'ecg', 'qrs', 'ann', 'apn', 'st', 'pwave', 'alarm'];
const INVALID: Record<number, number> = { 212: -2048, 16: -32768, 80: -128 };

const MDC_BY_DESC: Record<string, string> = {
  II: 'MDC_ECG_ELEC_POTL_II',
  MLII: 'MDC_ECG_ELEC_POTL_II',
  I: 'MDC_ECG_ELEC_POTL_I',
  III: 'MDC_ECG_ELEC_POTL_III',
  V: 'MDC_ECG_ELEC_POTL_V',
  V5: 'MDC_ECG_ELEC_POTL_V5',
  AVR: 'MDC_ECG_ELEC_POTL_AVR',
  AVL: 'MDC_ECG_ELEC_POTL_AVL',
  AVF: 'MDC_ECG_ELEC_POTL_AVF',
  MCL1: 'MDC_ECG_ELEC_POTL_MCL1',
  ABP: 'MDC_PRESS_BLD_ART_ABP',
  ART: 'MDC_PRESS_BLD_ART_ABP',
  PAP: 'MDC_PRESS_BLD_ART_PULM',
  CVP: 'MDC_PRESS_BLD_VEN_CENT',
  PLETH: 'MDC_PULS_OXIM_PLETH',
  RESP: 'MDC_IMPED_TTHOR',
  HR: 'MDC_ECG_HEART_RATE',
  PULSE: 'MDC_PULS_OXIM_PULS_RATE',
  SPO2: 'MDC_PULS_OXIM_SAT_O2',
  ABPSYS: 'MDC_PRESS_BLD_ART_ABP_SYS',
  ABPDIAS: 'MDC_PRESS_BLD_ART_ABP_DIA',
  ABPMEAN: 'MDC_PRESS_BLD_ART_ABP_MEAN',
  NBPSYS: 'MDC_PRESS_BLD_NONINV_SYS',
  NBPDIAS: 'MDC_PRESS_BLD_NONINV_DIA',
  NBPMEAN: 'MDC_PRESS_BLD_NONINV_MEAN',
};

function mdcFor(desc: string): string {
  const k = desc.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return MDC_BY_DESC[k] ?? `MDC_EXT_WFDB_${k.slice(0, 60) || 'SIGNAL'}`;
}

class WfdbImport {
  readonly desc: DeviceDescriptor;
  private readonly byLabel = new Map<string, ChannelDescriptor>();
  events = 0;
  readonly warnings: string[] = [];

  constructor(
    readonly w: CaseWriter,
    name: string,
  ) {
    this.desc = {
      protocol: 1,
      deviceId: importedDeviceId(`wfdb-${name}`),
      kind: 'other',
      manufacturer: 'PhysioNet',
      model: 'WFDB',
      serial: name.slice(0, 128),
      heartbeatMs: 1000,
      channels: [],
    };
  }

  /** Adds one single-segment record starting at startMs. */
  segment(dir: string, name: string, startMs: number): WfdbHeader {
    const { header, channels } = readWfdbRecord(dir, name);
    header.signals.forEach((sig, k) => {
      const label = (sig.description || `sig${k}`).slice(0, 64);
      const ch = channels[k];
      const numeric = ch.rateHz < 1;
      let cd = this.byLabel.get(label);
      const scale = 1 / sig.gain;
      const offset = -sig.baseline / sig.gain;
      if (!cd) {
        cd = {
          index: this.desc.channels.length,
          kind: numeric ? 'numeric' : 'wave',
          mdc: mdcFor(label),
          label,
          unit: ucumUnit(sig.units).slice(0, 32),
          ...(numeric ? {} : { rateHz: ch.rateHz, format: 'i16' as const, scale, offset }),
        };
        this.desc.channels.push(cd);
        this.byLabel.set(label, cd);
        this.w.device(this.desc, startMs);
      }
      const bad = INVALID[sig.format] ?? -32768;
      if (numeric) {
        for (let i = 0; i < ch.samples.length; i++)
          if (ch.samples[i] !== bad) this.w.numeric(this.desc.deviceId, cd.index, startMs + (i * 1000) / ch.rateHz, ch.samples[i] * scale + offset);
      } else {
        const fits = ch.samples.every((v) => v >= -32768 && v <= 32767);
        const x = fits ? Int16Array.from(ch.samples) : ch.samples;
        this.w.waveRuns(this.desc.deviceId, cd.index, startMs, x, { rateHz: ch.rateHz, scale, offset, format: fits ? 'i16' : 'i32' }, (v) => v === bad);
      }
    });
    for (const ann of ANNOTATORS) {
      const f = path.join(dir, `${name}.${ann}`);
      if (!fs.existsSync(f)) continue;
      for (const a of readWfdbAnnotations(f)) {
        this.w.store.insertEvent(this.desc.deviceId, a.chan, startMs + (a.sample * 1000) / header.frameHz, a.mnemonic, a.aux);
        this.events++;
      }
    }
    return header;
  }
}

/** Imports a WFDB record (single- or multi-segment) given its .hea file. */
export function importWfdb(heaFile: string, opts: ImportOptions): ImportReport {
  const dir = path.dirname(heaFile);
  const name = path.basename(heaFile, '.hea');
  let text: string;
  try {
    text = fs.readFileSync(heaFile, 'utf8');
  } catch (e) {
    throw new WfdbError(`import: cannot read ${heaFile}: ${(e as Error).message}`);
  }
  const multi = isMultiSegment(text);
  const head = multi ? parseWfdbMultiHeader(text) : parseWfdbHeader(text);
  const base = wfdbBaseMs(head.baseTime, head.baseDate);
  const startMs = base ?? DEFAULT_START_MS;
  const comments = 'comments' in head ? head.comments : [];
  const w = new CaseWriter(opts.dataDir, {
    startMs,
    meta: {
      procedure: opts.procedure ?? `Imported WFDB ${name}`,
      meta: { importedFrom: { format: 'wfdb', record: name, startKnown: base !== undefined }, comments },
    },
  });
  try {
    const imp = new WfdbImport(w, name);
    if (base === undefined) imp.warnings.push('the header gives no base time: the record starts at 2000-01-01T00:00:00Z');
    if (!multi) imp.segment(dir, name, startMs);
    else {
      const m = parseWfdbMultiHeader(text);
      let frame = 0;
      for (const seg of m.segments) {
        const t = startMs + (frame * 1000) / m.frameHz;
        const t1 = startMs + ((frame + seg.frames) * 1000) / m.frameHz;
        if (seg.name === '~')
          w.store.insertGap({ deviceId: imp.desc.deviceId, channel: -1, fromMs: t, toMs: t1, lostFrames: seg.frames, reason: 'wfdb-null-segment' });
        else if (seg.frames > 0 || !seg.name.endsWith('_layout')) {
          if (!fs.existsSync(path.join(dir, `${seg.name}.hea`))) {
            imp.warnings.push(`segment ${seg.name} is missing: recorded as a gap`);
            w.store.insertGap({ deviceId: imp.desc.deviceId, channel: -1, fromMs: t, toMs: t1, lostFrames: seg.frames, reason: 'wfdb-missing-segment' });
          } else if (seg.frames > 0) imp.segment(dir, seg.name, t);
        }
        frame += seg.frames;
      }
    }
    const done = w.finish();
    return {
      ...done,
      devices: 1,
      channels: imp.desc.channels.length,
      samples: w.samples,
      annotations: 0,
      events: imp.events,
      alarms: 0,
      firstMs: Number.isFinite(w.firstMs) ? w.firstMs : null,
      lastMs: Number.isFinite(w.lastMs) ? w.lastMs : null,
      warnings: imp.warnings,
    };
  } catch (e) {
    w.abort();
    throw e;
  }
}
