/**
 * Import of a .vital file OR Hub exported (vital-export.ts): the private packets rebuild the
 * recording exactly — case, devices and channels as stored, one wave block per WAV REC with
 * its exact span, numerics with status, poses, every row table and the annotation chain
 * (same case id, so the chain verifies). The standard STR tracks are derived copies and ignored.
 */
import type { AnnotationRecord } from '../recorder/annotations';
import type { AlarmRow, DicomShown, GapRow, PatientIdentifiers, Registration } from '../recorder/store';
import { encodeWave } from '../recorder/wavecodec';
import { CaseWriter } from './case-writer';
import type { ImportOptions, ImportReport } from './vital-import';
import { type ChannelRow, insertAnnotationRecords, insertChannelRow, insertDeviceRow, setCaseTimes } from './store-queries';
import { type VitalHeader, type VitalPacket, VitalError, vitalMs } from './vital-file';

interface CaseJson {
  id: string;
  procedure: string;
  room: string;
  state: string;
  createdMs: number;
  startedMs: number | null;
  endedMs: number | null;
  lastDataMs: number | null;
  meta: Record<string, unknown>;
}

interface TrackMap {
  channelId: number;
  deviceId: string;
  channel: number;
  format: string | null;
  rateHz?: number;
  scale?: number;
  offset?: number;
}

export class ExactVitalImport {
  private writer: CaseWriter | undefined;
  private caseJson: CaseJson | undefined;
  private readonly channels = new Map<string, { id: number; row: Omit<ChannelRow, 'id'> }>();
  private readonly tracks = new Map<number, TrackMap>();
  private readonly poses = new Map<number, { deviceId: string; channel: number }>();
  private readonly annotations: AnnotationRecord[] = [];
  private pendingWave: { trkId: number; values: ArrayLike<number>; dt: number } | undefined;
  private pendingNum: { map: TrackMap; tMs: number; value: number } | undefined;
  private counts = { samples: 0, events: 0, alarms: 0, devices: 0 };

  constructor(
    private readonly file: string,
    private readonly opts: ImportOptions,
  ) {}

  private w(): CaseWriter {
    if (!this.writer) throw new VitalError(`${this.file}: OR Hub packets out of order (no case first)`);
    return this.writer;
  }

  packet(p: VitalPacket): void {
    if (p.type !== 'orhub-span') this.flushWave();
    if (!(p.type === 'orhub-json' && p.value.k === 'fix')) this.flushNum();
    if (p.type === 'rec') {
      if (p.rec.type === 'wav') this.pendingWave = { trkId: p.rec.track.trkId, values: p.rec.values, dt: p.rec.dt };
      else if (p.rec.type === 'num') {
        const map = this.tracks.get(p.rec.track.trkId);
        if (map) this.pendingNum = { map, tMs: vitalMs(p.rec.dt), value: p.rec.value };
      }
    } else if (p.type === 'orhub-span') {
      const pw = this.pendingWave;
      this.pendingWave = undefined;
      if (pw && pw.trkId === p.trkId) this.block(pw.trkId, pw.values, p.t0Ms, p.t1Ms);
    } else if (p.type === 'orhub-pose') {
      const ch = this.poses.get(p.key);
      if (!ch) throw new VitalError(`${this.file}: pose rows for unknown channel key ${p.key}`);
      this.w().rows(ch.deviceId, ch.channel, 'pose_blocks', p.rows);
    } else if (p.type === 'orhub-json') this.json(p.value);
  }

  private flushWave(): void {
    const pw = this.pendingWave;
    if (!pw) return;
    this.pendingWave = undefined;
    const m = this.tracks.get(pw.trkId);
    if (m?.rateHz) this.block(pw.trkId, pw.values, vitalMs(pw.dt), vitalMs(pw.dt) + ((pw.values.length - 1) * 1000) / m.rateHz);
  }

  private flushNum(fix?: { tMs: number; status: number; value: number }): void {
    const n = this.pendingNum;
    if (!n) return;
    this.pendingNum = undefined;
    this.w().numeric(n.map.deviceId, n.map.channel, fix?.tMs ?? n.tMs, fix?.value ?? n.value, fix?.status ?? 0);
  }

  private block(trkId: number, values: ArrayLike<number>, t0Ms: number, t1Ms: number): void {
    const m = this.tracks.get(trkId);
    if (!m || m.rateHz === undefined) throw new VitalError(`${this.file}: samples for unknown track ${trkId}`);
    const x = m.format === 'f32' ? Float32Array.from(values) : m.format === 'i16' ? Int16Array.from(values) : Int32Array.from(values);
    const data = encodeWave(x);
    const w = this.w();
    w.store.insertWaveBlock(
      { channelId: m.channelId, t0Ms, t1Ms, rateHz: m.rateHz, count: x.length, codec: data[0], scale: m.scale!, offset: m.offset!, data },
      false,
    );
    this.counts.samples += x.length;
  }

  private json(v: Record<string, unknown>): void {
    const r = v.r as Record<string, unknown>;
    switch (v.k) {
      case 'case': {
        const c = v.case as CaseJson;
        this.caseJson = c;
        this.writer = new CaseWriter(this.opts.dataDir, {
          caseId: c.id,
          startMs: c.createdMs,
          meta: {
            procedure: c.procedure,
            room: c.room,
            team: v.team as { role: string; name: string }[],
            patient: v.patient as PatientIdentifiers | undefined,
            meta: c.meta ?? {},
          },
        });
        break;
      }
      case 'device':
        insertDeviceRow(this.w().store, {
          deviceId: String(v.deviceId),
          firstSeenMs: Number(v.firstSeenMs),
          descriptor: v.descriptor as Record<string, unknown>,
        });
        this.counts.devices++;
        break;
      case 'channel': {
        const row = v.row as Omit<ChannelRow, 'id'>;
        this.channels.set(String(v.key), { id: insertChannelRow(this.w().store, row), row });
        break;
      }
      case 'track': {
        const ch = this.channels.get(String(v.key));
        if (!ch) throw new VitalError(`${this.file}: track ${String(v.trkId)} refers to unknown channel ${String(v.key)}`);
        this.tracks.set(Number(v.trkId), {
          channelId: ch.id,
          deviceId: ch.row.deviceId,
          channel: ch.row.channel,
          format: ch.row.format,
          rateHz: v.rateHz as number | undefined,
          scale: v.scale as number | undefined,
          offset: v.offset as number | undefined,
        });
        break;
      }
      case 'pose': {
        const ch = this.channels.get(String(v.key));
        if (ch) this.poses.set(Number(v.poseKey), { deviceId: ch.row.deviceId, channel: ch.row.channel });
        break;
      }
      case 'fix':
        this.flushNum(v as unknown as { tMs: number; status: number; value: number });
        break;
      case 'annotation':
        this.annotations.push(v.r as AnnotationRecord);
        break;
      case 'gap':
        this.w().store.insertGap(r as unknown as GapRow);
        break;
      case 'alarm':
        this.w().store.insertAlarm(r as unknown as AlarmRow);
        this.counts.alarms++;
        break;
      case 'event':
        this.w().store.insertEvent(String(r.deviceId), Number(r.channel), Number(r.tMs), String(r.code), String(r.text));
        this.counts.events++;
        break;
      case 'devev':
        this.w().store.insertDeviceEvent(String(r.deviceId), Number(r.tMs), String(r.state), String(r.reason));
        break;
      case 'setting':
        this.w().store.insertSetting(String(r.deviceId), Number(r.channel), Number(r.tMs), Number(r.value), String(r.text));
        break;
      case 'dicom':
        this.w().store.insertDicomShown(r as unknown as DicomShown);
        break;
      case 'registration':
        this.w().store.insertRegistration(r as unknown as Registration);
        break;
      default:
        break; // a newer OR Hub's packet: skipped like any unknown packet
    }
  }

  finish(_header: VitalHeader): ImportReport {
    this.flushWave();
    this.flushNum();
    const w = this.w();
    const c = this.caseJson!;
    insertAnnotationRecords(w.store, this.annotations);
    setCaseTimes(w.store, {
      state: c.state === 'created' || c.state === 'recording' ? 'ended' : c.state,
      createdMs: c.createdMs,
      startedMs: c.startedMs,
      endedMs: c.endedMs ?? c.lastDataMs,
      lastDataMs: c.lastDataMs,
    });
    const done = w.finish({ keepCaseTimes: true, deviceEvents: false });
    const first = w.firstMs;
    return {
      ...done,
      devices: this.counts.devices,
      channels: this.channels.size,
      samples: this.counts.samples + w.samples,
      annotations: this.annotations.length,
      events: this.counts.events,
      alarms: this.counts.alarms,
      firstMs: Number.isFinite(first) ? first : c.startedMs,
      lastMs: c.lastDataMs,
      warnings: [],
    };
  }

  abort(): void {
    this.writer?.abort();
  }
}
