/**
 * `or-hub import FILE.vital`: a VitalRecorder file becomes an OR Hub recording.
 * - DEVINFO -> a device (id from the device name); tracks of devid 0 go to device "VitalRecorder".
 * - WAV tracks -> wave channels: the stored integers are kept as raw counts with
 *   scale = adc_gain and offset = adc_offset (value = offset + raw * gain, as in the spec);
 *   float tracks are kept as float32 samples.
 * - NUM tracks -> numeric channels. Known track names get their IEEE 11073 term and UCUM unit
 *   (vital-tracks.ts); others keep their own name.
 * - The EVENT track of devid 0 (VitalRecorder's event bar) -> annotations (kind note, by
 *   integration/VitalRecorder); other string tracks -> device events (code = track name),
 *   and string tracks named like alarms (ALARM, ALERT) -> alarm rows.
 * - Times: hub time = vital time x 1000, exactly; each REC keeps its own start time.
 * A file OR Hub wrote itself (it starts with an OR Hub case packet) is read back exactly instead
 * (vital-exact-import.ts).
 */
import { interopSql } from './store-queries';
import * as path from 'node:path';
import type { ChannelDescriptor, DeviceDescriptor, SampleFormat } from '../../native-bridge/common/descriptor';
import { CaseWriter, importedDeviceId } from './case-writer';
import { ExactVitalImport } from './vital-exact-import';
import {
  FMT_CHAR,
  FMT_DOUBLE,
  FMT_DWORD,
  FMT_FLOAT,
  FMT_LONG,
  FMT_NAN,
  FMT_WORD,
  TYPE_STR,
  TYPE_WAV,
  CMD_RESET_EVENTS,
  type VitalHeader,
  type VitalPacket,
  type VitalTrack,
  VitalError,
  readVitalFile,
  vitalMs,
} from './vital-file';
import { ucumUnit, vitalDeviceKind, vitalTerm } from './vital-tracks';

export interface ImportOptions {
  dataDir: string;
  /** Procedure name of the new case (default: "Imported <file name>"). */
  procedure?: string;
}

export interface ImportReport {
  caseId: string;
  file: string;
  devices: number;
  channels: number;
  samples: number;
  annotations: number;
  events: number;
  alarms: number;
  firstMs: number | null;
  lastMs: number | null;
  warnings: string[];
}

interface DevState {
  desc: DeviceDescriptor;
  labels: Set<string>;
}

interface TrackState {
  track: VitalTrack;
  deviceId: string;
  channel: number;
  kind: 'wave' | 'numeric' | 'event' | 'alarm' | 'marker';
  format?: SampleFormat;
}

function waveFormat(fmt: number): SampleFormat {
  if (fmt === FMT_FLOAT || fmt === FMT_DOUBLE) return 'f32';
  if (fmt === FMT_WORD || fmt === FMT_LONG || fmt === FMT_DWORD) return 'i32';
  return 'i16';
}

/** Import of a file not written by OR Hub: the mapping described above. */
class ForeignVitalImport {
  private writer: CaseWriter | undefined;
  private readonly devices = new Map<number, { typeName: string; devName: string; port: string }>();
  private readonly devStates = new Map<string, DevState>();
  private readonly tracks = new Map<number, TrackState>();
  private readonly openAlarms = new Map<number, string>();
  private readonly pendingTracks = new Map<number, VitalTrack>();
  readonly warnings: string[] = [];
  counts = { annotations: 0, events: 0, alarms: 0 };

  constructor(
    private readonly file: string,
    private readonly opts: ImportOptions,
    private readonly packed: () => boolean,
  ) {}

  private need(tMs: number): CaseWriter {
    this.writer ??= new CaseWriter(this.opts.dataDir, {
      startMs: tMs,
      meta: {
        procedure: this.opts.procedure ?? `Imported ${path.basename(this.file)}`,
        meta: { importedFrom: { format: 'vital', file: path.basename(this.file) } },
      },
    });
    return this.writer;
  }

  private deviceFor(devId: number): DevState {
    const info = this.devices.get(devId) ?? {
      typeName: devId === 0 ? 'VitalRecorder' : `device-${devId}`,
      devName: devId === 0 ? 'VitalRecorder' : `device-${devId}`,
      port: '',
    };
    const deviceId = importedDeviceId(info.devName || info.typeName);
    let st = this.devStates.get(deviceId);
    if (!st) {
      const k = vitalDeviceKind(info.typeName);
      st = {
        desc: {
          protocol: 1,
          deviceId,
          kind: k.kind,
          manufacturer: k.manufacturer,
          model: info.typeName.slice(0, 128),
          serial: info.port.slice(0, 128),
          heartbeatMs: 1000,
          channels: [],
        },
        labels: new Set(),
      };
      this.devStates.set(deviceId, st);
    }
    return st;
  }

  private addTrack(t: VitalTrack, tMs: number): TrackState {
    const dev = this.deviceFor(t.devId);
    const w = this.need(tMs);
    const deviceId = dev.desc.deviceId;
    if (t.recType === TYPE_STR) {
      const kind = t.devId === 0 && t.name === 'EVENT' ? 'marker' : /ALARM|ALERT/i.test(t.name) ? 'alarm' : 'event';
      const st: TrackState = { track: t, deviceId, channel: -1, kind };
      this.tracks.set(t.trkId, st);
      return st;
    }
    const { term, mdc, label: termLabel } = vitalTerm(t.name);
    let label = dev.labels.has(termLabel) ? t.name.slice(0, 64) : termLabel;
    if (dev.labels.has(label)) label = `${t.name.slice(0, 56)} (${dev.desc.channels.length})`;
    dev.labels.add(label);
    const index = dev.desc.channels.length;
    const format = t.recType === TYPE_WAV ? waveFormat(t.recFmt) : undefined;
    const scale = t.adcGain === 0 || !Number.isFinite(t.adcGain) ? 1 : t.adcGain;
    if (scale !== t.adcGain) this.warnings.push(`track ${t.name}: adc_gain ${t.adcGain} replaced by 1`);
    if (t.recFmt === FMT_DOUBLE && t.recType === TYPE_WAV) this.warnings.push(`track ${t.name}: double samples stored as float32`);
    const ch: ChannelDescriptor & { source?: unknown } = {
      index,
      kind: t.recType === TYPE_WAV ? 'wave' : 'numeric',
      mdc,
      code: term?.code,
      label,
      unit: ucumUnit(t.unit, term).slice(0, 32),
      ...(t.recType === TYPE_WAV ? { rateHz: t.srate, format, scale, offset: Number.isFinite(t.adcOffset) ? t.adcOffset : 0 } : {}),
      range: Number.isFinite(t.minVal) && Number.isFinite(t.maxVal) && t.minVal <= t.maxVal && t.minVal !== t.maxVal ? [t.minVal, t.maxVal] : undefined,
      source: { format: 'vital', name: t.name, unit: t.unit, recFmt: t.recFmt, monType: t.monType, color: t.color, devId: t.devId },
    };
    if (ch.kind === 'wave' && !(t.srate > 0 && t.srate <= 100000)) throw new VitalError(`track ${t.name}: sample rate ${t.srate} is not usable`);
    dev.desc.channels.push(ch);
    w.device(dev.desc, tMs);
    const st: TrackState = { track: t, deviceId, channel: index, kind: ch.kind === 'wave' ? 'wave' : 'numeric', format };
    this.tracks.set(t.trkId, st);
    return st;
  }

  packet(p: VitalPacket): void {
    if (p.type === 'devinfo') {
      this.devices.set(p.dev.devId, p.dev);
      return;
    }
    if (p.type === 'trkinfo') {
      // Channels are made at a track's first record (the case is dated by the first record); later TRKINFOs of a track are ignored.
      if (!this.tracks.has(p.track.trkId)) this.pendingTracks.set(p.track.trkId, p.track);
      return;
    }
    if (p.type === 'cmd' && p.cmd === CMD_RESET_EVENTS && this.writer) {
      this.warnings.push('CMD_RESET_EVENTS: event markers before it were kept');
      return;
    }
    if (p.type !== 'rec') return;
    const r = p.rec;
    const tMs = vitalMs(r.dt);
    let st = this.tracks.get(r.track.trkId);
    if (!st) st = this.addTrack(this.pendingTracks.get(r.track.trkId) ?? r.track, tMs);
    const w = this.need(tMs);
    const t = st.track;
    if (r.type === 'wav' && st.kind === 'wave') {
      const p0 = {
        rateHz: t.srate,
        scale: t.adcGain === 0 || !Number.isFinite(t.adcGain) ? 1 : t.adcGain,
        offset: Number.isFinite(t.adcOffset) ? t.adcOffset : 0,
        format: st.format!,
      };
      const x = st.format === 'f32' ? Float32Array.from(r.values) : st.format === 'i32' ? int32(r.values, t) : Int16Array.from(r.values);
      const nan = FMT_NAN[t.recFmt];
      if (this.packed())
        w.waveRuns(st.deviceId, st.channel, tMs, x, p0, (v) => (Number.isNaN(nan) ? Number.isNaN(v) : v === nan || (t.recFmt === FMT_CHAR && v === -128)));
      else w.wave(st.deviceId, st.channel, tMs, x, p0);
    } else if (r.type === 'num' && st.kind === 'numeric') {
      if (this.packed() && (Number.isNaN(r.value) || r.value === FMT_NAN[t.recFmt])) return;
      w.numeric(st.deviceId, st.channel, tMs, r.value, 0);
    } else if (r.type === 'str') {
      this.text(w, st, tMs, r.text);
    }
  }

  private text(w: CaseWriter, st: TrackState, tMs: number, text: string): void {
    if (st.kind === 'marker') {
      if (text.trim() === '') return;
      w.annotate({ kind: 'note', text: text.slice(0, 2000), role: 'integration', name: 'VitalRecorder', tMs });
      this.counts.annotations++;
    } else if (st.kind === 'alarm') {
      const prev = this.openAlarms.get(st.track.trkId);
      if (prev !== undefined && prev !== text) w.store.insertAlarm({ deviceId: st.deviceId, channel: -1, tMs, priority: 0, state: 0, code: 0, text: prev });
      if (text.trim() !== '' && prev !== text) {
        w.store.insertAlarm({ deviceId: st.deviceId, channel: -1, tMs, priority: 0, state: 1, code: 0, text });
        this.counts.alarms++;
      }
      if (text.trim() === '') this.openAlarms.delete(st.track.trkId);
      else this.openAlarms.set(st.track.trkId, text);
    } else {
      w.store.insertEvent(st.deviceId, -1, tMs, st.track.name.slice(0, 64), text);
      this.counts.events++;
    }
  }

  finish(header: VitalHeader): ImportReport {
    if (!this.writer) throw new VitalError(`${this.file} holds no records`);
    const w = this.writer;
    for (const t of this.pendingTracks.values()) if (!this.tracks.has(t.trkId) && t.recType !== TYPE_STR) this.addTrack(t, w.firstMs);
    w.store
      .prepared(interopSql("UPDATE case_info SET meta_json = json_set(meta_json, '$.vital', json(?))"))
      .run(JSON.stringify({ tzBias: header.tzBias, instId: header.instId, progVer: header.progVer }));
    const done = w.finish();
    const channels = [...this.devStates.values()].reduce((a, d) => a + d.desc.channels.length, 0);
    return {
      ...done,
      devices: [...this.devStates.values()].filter((d) => d.desc.channels.length > 0).length,
      channels,
      samples: w.samples,
      ...this.counts,
      firstMs: Number.isFinite(w.firstMs) ? w.firstMs : null,
      lastMs: Number.isFinite(w.lastMs) ? w.lastMs : null,
      warnings: this.warnings,
    };
  }

  abort(): void {
    this.writer?.abort();
  }
}

function int32(values: ArrayLike<number>, t: VitalTrack): Int32Array {
  const o = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 2147483647) throw new VitalError(`track ${t.name}: sample ${v} does not fit 32-bit signed counts`);
    o[i] = v;
  }
  return o;
}

/** Imports one .vital file into dataDir/recordings. */
export async function importVital(file: string, opts: ImportOptions): Promise<ImportReport> {
  let packed = false;
  let mode: ForeignVitalImport | ExactVitalImport | undefined;
  try {
    const header = await readVitalFile(
      file,
      (p) => {
        if (!mode) mode = p.type === 'orhub-json' && p.value.k === 'case' ? new ExactVitalImport(file, opts) : new ForeignVitalImport(file, opts, () => packed);
        mode.packet(p);
      },
      (h) => {
        packed = h.packed;
      },
    );
    const m = mode as ForeignVitalImport | ExactVitalImport | undefined;
    if (!m) throw new VitalError(`${file} holds no packets`);
    return m.finish(header);
  } catch (e) {
    mode?.abort();
    throw e;
  }
}
