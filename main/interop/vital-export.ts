/**
 * Export to a VitalRecorder `.vital` file (format 3, streaming layout, read by VitalDB's tools).
 * Standard content: one DEVINFO per device, a WAV track per wave channel (and per distinct
 * rate/scale/offset), a NUM track per numeric channel (double, or float when the channel came
 * from a float track), STR tracks for events (named by event code), alarms (ALARM) and the
 * team's annotations (EVENT of devid 0, VitalRecorder's event bar). Each wave block is one REC.
 * OR Hub private packets (vital-file.ts, types 200..202; VitalDB's readers skip them) carry
 * what the format cannot: the case, exact descriptors and channel terms, exact block spans,
 * numeric status, poses, gaps, settings, device states, images shown, registrations and the
 * annotation chain, so that importing the file gives the recording back.
 */
import { ExportSource } from './export-source';
import { GzipOutFile } from './out-file';
import { deviceRows, waveParams } from './store-queries';
import { FMT_DOUBLE, FMT_FLOAT, FMT_LONG, FMT_SHORT, TYPE_NUM, TYPE_STR, TYPE_WAV, type VitalTrack, vitalMs, vitalSeconds } from './vital-file';
import {
  devInfoPacket,
  headerBytes,
  jsonPacket,
  numRecPacket,
  orderPacket,
  posePacket,
  spanPacket,
  strRecPacket,
  trkInfoPacket,
  wavRecPacket,
} from './vital-write';

interface WaveTrack {
  track: VitalTrack;
  key: string;
}

const DRAIN_BYTES = 1 << 20;

function sourceOf(
  desc: Record<string, unknown> | undefined,
  channel: number,
): { name?: string; recFmt?: number; unit?: string; monType?: number; color?: number } {
  const chans = (desc?.channels ?? []) as {
    index: number;
    source?: { format?: string; name?: string; recFmt?: number; unit?: string; monType?: number; color?: number };
  }[];
  const s = chans.find((c) => c.index === channel)?.source;
  return s?.format === 'vital' ? s : {};
}

function alarmText(a: { priority: number; state: number; text: string; code: number }): string {
  return `${a.state === 1 ? '' : 'cleared: '}${a.text || `alarm ${a.code}`}`;
}

/** Writes `src` to `out` as .vital. Returns counts for the report. */
export async function exportVital(src: ExportSource, out: string): Promise<{ tracks: number; records: number }> {
  const f = new GzipOutFile(out);
  try {
    return await write(src, f);
  } catch (e) {
    f.abort();
    throw e;
  }
}

async function write(src: ExportSource, f: GzipOutFile): Promise<{ tracks: number; records: number }> {
  const s = src.store;
  const meta = src.info.meta as { vital?: { tzBias?: number; instId?: number; progVer?: number } };
  const sec = (ms: number) => vitalSeconds(src.t(ms));
  f.write(
    headerBytes({
      tzBias: meta.vital?.tzBias ?? 0,
      instId: meta.vital?.instId ?? 0,
      progVer: meta.vital?.progVer ?? 0,
      dtStart: sec(src.fromMs),
      dtEnd: sec(src.toMs),
    }),
  );
  const info = src.info;
  const caseMeta = src.opts.deidentify ? { importedFrom: (info.meta as { importedFrom?: { format?: string } }).importedFrom?.format } : info.meta;
  f.write(
    jsonPacket({
      k: 'case',
      case: { ...src.caseFields(), lastDataMs: src.tOrNull(info.lastDataMs), meta: caseMeta },
      team: src.team(),
      patient: src.opts.deidentify ? undefined : s.patient(),
    }),
  );
  const devs = deviceRows(s);
  const devIds = new Map<string, number>();
  const devDesc = new Map<string, Record<string, unknown>>();
  devIds.set('', 0);
  for (const d of devs) {
    devIds.set(d.deviceId, devIds.size);
    devDesc.set(d.deviceId, d.descriptor);
    f.write(jsonPacket({ k: 'device', deviceId: d.deviceId, firstSeenMs: src.t(d.firstSeenMs), descriptor: d.descriptor }));
    f.write(
      devInfoPacket({
        devId: devIds.get(d.deviceId)!,
        typeName: String(d.descriptor.model ?? d.deviceId),
        devName: d.deviceId,
        port: String(d.descriptor.serial ?? ''),
      }),
    );
  }
  const devId = (deviceId: string): number => {
    let id = devIds.get(deviceId);
    if (id === undefined) {
      id = devIds.size;
      devIds.set(deviceId, id);
      f.write(devInfoPacket({ devId: id, typeName: deviceId, devName: deviceId, port: '' }));
    }
    return id;
  };
  let nextTrk = 1;
  const newTrack = (t: Omit<VitalTrack, 'trkId'>): VitalTrack => {
    const track = { ...t, trkId: nextTrk++ };
    f.write(trkInfoPacket(track));
    return track;
  };
  const waveTracks = new Map<number, WaveTrack[]>();
  const numTracks = new Map<number, VitalTrack>();
  const poseKeys = new Map<number, number>();
  for (const c of src.channels) {
    const key = `${c.deviceId}/${c.channel}`;
    f.write(
      jsonPacket({
        k: 'channel',
        key,
        row: { deviceId: c.deviceId, channel: c.channel, kind: c.kind, label: c.label, unit: c.unit, mdc: c.mdc, rateHz: c.rateHz, format: c.format },
      }),
    );
    const so = sourceOf(devDesc.get(c.deviceId), c.channel);
    const base = {
      name: so.name ?? (c.label || c.mdc || key),
      unit: so.unit ?? c.unit,
      minVal: 0,
      maxVal: 0,
      color: so.color ?? 0xff00ff00,
      monType: so.monType ?? 0,
      devId: devId(c.deviceId),
    };
    if (c.kind === 'wave') {
      const list: WaveTrack[] = [];
      for (const p of waveParams(s, c.id)) {
        const recFmt = so.recFmt ?? (c.format === 'f32' ? FMT_FLOAT : c.format === 'i16' ? FMT_SHORT : FMT_LONG);
        const track = newTrack({ ...base, recType: TYPE_WAV, recFmt, srate: p.rateHz, adcGain: p.scale, adcOffset: p.offset });
        f.write(jsonPacket({ k: 'track', trkId: track.trkId, key, rateHz: p.rateHz, scale: p.scale, offset: p.offset }));
        list.push({ track, key: `${p.rateHz}\u0000${p.scale}\u0000${p.offset}` });
      }
      waveTracks.set(c.id, list);
    } else if (c.kind === 'numeric') {
      const track = newTrack({ ...base, recType: TYPE_NUM, recFmt: so.recFmt === FMT_FLOAT ? FMT_FLOAT : FMT_DOUBLE, srate: 0, adcGain: 1, adcOffset: 0 });
      f.write(jsonPacket({ k: 'track', trkId: track.trkId, key }));
      numTracks.set(c.id, track);
    } else if (c.kind === 'pose') {
      poseKeys.set(c.id, poseKeys.size + 1);
      f.write(jsonPacket({ k: 'pose', poseKey: poseKeys.size, key }));
    }
  }
  // VitalRecorder's display order: the data tracks in channel order (string tracks follow as they appear).
  f.write(orderPacket(Array.from({ length: nextTrk - 1 }, (_, i) => i + 1)));
  const strTracks = new Map<string, VitalTrack>();
  const strTrack = (deviceId: string, name: string): VitalTrack => {
    const k = `${deviceId}\u0000${name}`;
    let t = strTracks.get(k);
    if (!t) {
      t = newTrack({
        name,
        unit: '',
        minVal: 0,
        maxVal: 0,
        color: 0xffffffff,
        monType: 0,
        devId: deviceId === '' ? 0 : devId(deviceId),
        recType: TYPE_STR,
        recFmt: 0,
        srate: 0,
        adcGain: 1,
        adcOffset: 0,
      });
      strTracks.set(k, t);
    }
    return t;
  };
  let records = 0;
  const rec = (b: Buffer) => {
    f.write(b);
    records++;
  };
  // Rows without samples: whole-window lists, time-ordered within each kind.
  for (const a of src.annotations()) f.write(jsonPacket({ k: 'annotation', r: a }));
  for (const a of src.currentAnnotations()) rec(strRecPacket(vitalSeconds(a.tMs), strTrack('', 'EVENT'), a.text ? `${a.kind}: ${a.text}` : a.kind));
  for (const g of src.gaps()) f.write(jsonPacket({ k: 'gap', r: { ...g, fromMs: src.t(g.fromMs), toMs: src.t(g.toMs) } }));
  for (const d of s.dicomShown(src.fromMs, src.toMs)) f.write(jsonPacket({ k: 'dicom', r: { ...d, tMs: src.t(d.tMs) } }));
  for (const r of s.registrations(src.fromMs, src.toMs)) f.write(jsonPacket({ k: 'registration', r: { ...r, tMs: src.t(r.tMs) } }));
  for (const e of src.deviceEvents()) f.write(jsonPacket({ k: 'devev', r: { ...e, tMs: src.t(e.tMs) } }));
  for (const e of src.settings()) f.write(jsonPacket({ k: 'setting', r: { ...e, tMs: src.t(e.tMs) } }));
  for (const a of src.alarms()) {
    f.write(jsonPacket({ k: 'alarm', r: { ...a, tMs: src.t(a.tMs) } }));
    rec(strRecPacket(sec(a.tMs), strTrack(a.deviceId, 'ALARM'), alarmText(a)));
  }
  for (const e of src.events()) {
    f.write(jsonPacket({ k: 'event', r: { ...e, tMs: src.t(e.tMs) } }));
    rec(strRecPacket(sec(e.tMs), strTrack(e.deviceId, e.code.slice(0, 64) || 'EVENT'), e.text));
  }
  await f.drain();
  // Samples: channel by channel, block by block.
  for (const c of src.channels) {
    if (c.kind === 'wave') {
      const tracks = waveTracks.get(c.id)!;
      for (const b of src.waveBlocks(c.id)) {
        const wt = tracks.find((t) => t.key === `${b.rateHz}\u0000${b.scale}\u0000${b.offset}`) ?? tracks[0];
        rec(wavRecPacket(sec(b.t0Ms), wt.track, b.samples));
        f.write(spanPacket(wt.track.trkId, src.t(b.t0Ms), src.t(b.t1Ms), b.samples.length));
        if (f.queued > DRAIN_BYTES) await f.drain();
      }
    } else if (c.kind === 'numeric') {
      const track = numTracks.get(c.id)!;
      for (const n of src.numerics(c.id)) {
        const t = src.t(n.tMs);
        const dt = vitalSeconds(t);
        rec(numRecPacket(dt, track, n.value));
        const exactValue = track.recFmt === FMT_DOUBLE || Math.fround(n.value) === n.value || Number.isNaN(n.value);
        if (n.status !== 0 || vitalMs(dt) !== t || !exactValue) f.write(jsonPacket({ k: 'fix', tMs: t, status: n.status, value: n.value }));
        if (f.queued > DRAIN_BYTES) await f.drain();
      }
    } else if (c.kind === 'pose') {
      const key = poseKeys.get(c.id)!;
      let batch: { tMs: number; quality: number; status: number; matrix: Float32Array }[] = [];
      for (const p of src.poses(c.id)) {
        batch.push({ ...p, tMs: src.t(p.tMs) });
        if (batch.length >= 1024) {
          f.write(posePacket(key, batch));
          batch = [];
          await f.drain();
        }
      }
      if (batch.length > 0) f.write(posePacket(key, batch));
    }
  }
  await f.close();
  return { tracks: nextTrk - 1, records };
}
