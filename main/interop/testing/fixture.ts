/**
 * Test recordings for the interop tests: a patient monitor (ECG i16 500 Hz, ABP i32 125 Hz,
 * pleth float 125 Hz, HR numeric), a tracker pose channel, and every kind of row (events,
 * alarms, settings, device states, a gap, images shown, a registration, patient identifiers,
 * team, annotations with an edit and a deletion). Frame times jitter by up to 0.7 ms, as hub
 * times do, so block spans are not exactly nominal.
 */
import type { DeviceDescriptor } from '../../../native-bridge/common/descriptor';
import { CaseWriter } from '../case-writer';

export const T0_MS = Date.UTC(2026, 2, 14, 9, 30, 0) + 0.25;

export const MONITOR: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'mon-1',
  kind: 'patient-monitor',
  manufacturer: 'Sim',
  model: 'M1',
  serial: 'S1',
  heartbeatMs: 1000,
  channels: [
    { index: 0, kind: 'wave', mdc: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV', rateHz: 500, format: 'i16', scale: 0.005, offset: 0 },
    { index: 1, kind: 'wave', mdc: 'MDC_PRESS_BLD_ART_ABP', label: 'ABP', unit: 'mm[Hg]', rateHz: 125, format: 'i32', scale: 0.0625, offset: -50 },
    { index: 2, kind: 'numeric', mdc: 'MDC_ECG_HEART_RATE', label: 'HR', unit: '/min' },
    { index: 3, kind: 'wave', mdc: 'MDC_PULS_OXIM_PLETH', label: 'Pleth', unit: '1', rateHz: 125, format: 'f32', scale: 1, offset: 0 },
  ],
};

export const TRACKER: DeviceDescriptor = {
  protocol: 1,
  deviceId: 'nav-1',
  kind: 'navigation-tracker',
  manufacturer: 'Sim',
  model: 'T1',
  serial: 'S2',
  heartbeatMs: 1000,
  channels: [{ index: 0, kind: 'pose', mdc: 'MDC_NAV_POSE_INSTRUMENT', label: 'Pointer', unit: 'mm' }],
};

export function ecg(k: number): number {
  return Math.round(Math.sin(k / 15) * 300) + (k % 7) - 3;
}

export function abp(k: number): number {
  return 2000 + Math.round(Math.sin(k / 20) * 300);
}

export interface FixtureOptions {
  seconds: number;
  /** A hole in all waves and numerics from this second, for this many seconds. */
  gap?: { atS: number; forS: number };
  /** Rows and annotations as well as samples (default true). */
  rows?: boolean;
  caseId?: string;
}

/** Writes the fixture case into dataDir; returns its file and case id. */
export function makeRecording(dataDir: string, o: FixtureOptions): { file: string; caseId: string } {
  const w = new CaseWriter(dataDir, {
    caseId: o.caseId,
    startMs: T0_MS,
    meta: {
      procedure: 'Laparoscopic cholecystectomy',
      room: 'OR 3',
      team: [
        { role: 'surgeon', name: 'Dr Ada Lovelace' },
        { role: 'anaesthetist', name: 'Dr John Snow' },
      ],
      patient: { identifier: 'MRN-0042', name: 'Jane Q Public', birthDate: '1961-04-02', sex: 'female' },
      meta: { source: 'fixture' },
    },
  });
  w.device(MONITOR, T0_MS);
  w.device(TRACKER, T0_MS);
  const inGap = (tMs: number) => o.gap !== undefined && tMs >= T0_MS + o.gap.atS * 1000 && tMs < T0_MS + (o.gap.atS + o.gap.forS) * 1000;
  const frameMs = 40;
  for (let f = 0; f * frameMs < o.seconds * 1000; f++) {
    const t = T0_MS + f * frameMs;
    if (inGap(t)) continue;
    const jitter = ((f * 37) % 15) / 10 - 0.7;
    const k = f * 20;
    w.wave(
      'mon-1',
      0,
      t + jitter,
      Int16Array.from({ length: 20 }, (_, i) => ecg(k + i)),
      { rateHz: 500, scale: 0.005, offset: 0, format: 'i16' },
    );
    const a = f * 5;
    w.wave(
      'mon-1',
      1,
      t + jitter,
      Int32Array.from({ length: 5 }, (_, i) => abp(a + i)),
      { rateHz: 125, scale: 0.0625, offset: -50, format: 'i32' },
    );
    w.wave(
      'mon-1',
      3,
      t + jitter,
      Float32Array.from({ length: 5 }, (_, i) => Math.sin((a + i) / 9) * 0.37),
      { rateHz: 125, scale: 1, offset: 0, format: 'f32' },
    );
    if (f % 25 === 0) w.numeric('mon-1', 2, t + 3.3, 60 + (f % 40) / 4, f % 100 === 0 ? 2 : 0);
    if (f % 5 === 0) {
      const m = new Float64Array(19);
      m[0] = t;
      m[1] = 0.9;
      m[2] = 0;
      for (let j = 0; j < 16; j++) m[3 + j] = j % 5 === 0 ? 1 : j === 12 ? f / 10 : 0;
      w.rows('nav-1', 0, 'pose_blocks', m);
    }
  }
  if (o.rows !== false) {
    const s = w.store;
    const at = (sec: number) => T0_MS + sec * 1000;
    s.insertEvent('mon-1', 0, at(2.5), 'LEAD_OFF', 'ECG lead V off');
    s.insertAlarm({ deviceId: 'mon-1', channel: 2, tMs: at(3), priority: 2, state: 1, code: 1001, text: 'HR high' });
    s.insertAlarm({ deviceId: 'mon-1', channel: 2, tMs: at(6), priority: 2, state: 0, code: 1001, text: 'HR high' });
    s.insertSetting('mon-1', 2, at(1), 120, 'HR upper limit');
    s.insertDeviceEvent('nav-1', at(4), 'stale', 'heartbeat late');
    if (o.gap)
      s.insertGap({ deviceId: 'mon-1', channel: -1, fromMs: at(o.gap.atS), toMs: at(o.gap.atS + o.gap.forS), lostFrames: 3, reason: 'device-offline' });
    s.insertDicomShown({ tMs: at(1.5), studyUid: '1.2.3', seriesUid: '1.2.3.4', modality: 'CT', description: 'Abdomen', source: '/data/ct' });
    s.insertRegistration({
      tMs: at(2),
      seriesUid: '1.2.3.4',
      trackerDeviceId: 'nav-1',
      method: 'paired-points',
      matrix: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 10.5, -3, 2, 1],
      freMm: 0.8,
    });
    w.annotate({ kind: 'incision', role: 'surgeon', tMs: at(1) });
    w.annotate({ kind: 'note', text: 'Jane Q Public is comfortable', role: 'anaesthetist', tMs: at(2) });
    w.annotate({ kind: 'bolus', drug: 'Propofol', dose: 150, unit: 'mg', role: 'anaesthetist', tMs: at(3.5) });
  }
  const done = w.finish({ deviceEvents: false });
  return done;
}
