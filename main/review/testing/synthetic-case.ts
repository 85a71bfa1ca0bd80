/**
 * Writes a synthetic case file directly through RecordingStore (no hub, no worker), fast
 * enough for an 8- or 24-hour full OR in seconds: 12 waveforms (4 ECG at 500 Hz, pleth, ABP,
 * CVP at 125 Hz, CO2, resp, Paw, flow at 62.5 Hz, EEG at 128 Hz), 60 numerics at 1 Hz, 3 tools
 * at 60 Hz, settings, alarms, events, device online/offline, a gap, annotations, a series shown
 * and a registration — the load of bench:record. Waveform blocks repeat a LOOP_S loop, encoded
 * once; numerics and poses are encoded block by block. For review tests and bench:review.
 */
import type { ChannelDescriptor, DeviceDescriptor, DeviceKind } from '../../../native-bridge/common/descriptor';
import { MDC, type MdcTerm } from '../../../native-bridge/common/mdc';
import { rng, gauss } from '../../../native-bridge/common/sim/physiology';
import { type CaseMeta, RecordingStore } from '../../recorder/store';
import { encodeColumns, encodeWave } from '../../recorder/wavecodec';

const WAVE_BLOCK_S = 4;
const LOOP_S = 120;

/** [term, rate Hz, scale, f(t s) physical]. */
type WaveDef = [MdcTerm, number, number, (t: number) => number];
const beat = (t: number) => {
  const d = t % 0.857;
  return Math.exp(-((d - 0.2) ** 2) / 0.0002);
};
const WAVES: WaveDef[] = [
  [{ ...MDC.ECG_II, mdc: 'MDC_ECG_ELEC_POTL_I', label: 'ECG I' }, 500, 0.005, (t) => 0.6 * beat(t)],
  [MDC.ECG_II, 500, 0.005, (t) => beat(t)],
  [{ ...MDC.ECG_II, mdc: 'MDC_ECG_ELEC_POTL_III', label: 'ECG III' }, 500, 0.005, (t) => 0.4 * beat(t)],
  [{ ...MDC.ECG_II, mdc: 'MDC_ECG_ELEC_POTL_V5', label: 'ECG V5' }, 500, 0.005, (t) => 1.3 * beat(t)],
  [MDC.PLETH, 125, 0.001, (t) => 0.5 + 0.4 * beat(t - 0.25)],
  [MDC.ABP, 125, 0.1, (t) => 75 + 45 * beat(t - 0.1)],
  [{ ...MDC.ABP, mdc: 'MDC_PRESS_BLD_VEN_CENT', label: 'CVP' }, 125, 0.1, (t) => 7 + 2 * Math.sin(t)],
  [MDC.CO2_WAVE, 62.5, 0.1, (t) => (t % 5 < 2 ? 0 : 36)],
  [{ ...MDC.AWAY_FLOW, mdc: 'MDC_IMPED_TTHOR', label: 'Resp', unit: 'Ohm' }, 62.5, 0.001, (t) => 0.6 * Math.sin((2 * Math.PI * t) / 5)],
  [MDC.AWAY_PRESS, 62.5, 0.1, (t) => (t % 5 < 1.7 ? 20 : 5)],
  [MDC.AWAY_FLOW, 62.5, 0.1, (t) => (t % 5 < 1.7 ? 30 : -20)],
  [{ ...MDC.ECG_II, mdc: 'MDC_EEG_ELEC_POTL_CRTX', label: 'EEG', unit: 'uV' }, 128, 0.1, (t) => 20 * Math.sin(2 * Math.PI * 10 * t)],
];

/** Vital numerics (real MDC terms, so the overview finds them), then fillers up to 60. */
const VITALS: [MdcTerm, number][] = [
  [MDC.HR, 70],
  [MDC.SPO2, 97],
  [MDC.PR, 70],
  [MDC.ABP_SYS, 120],
  [MDC.ABP_DIA, 70],
  [MDC.ABP_MEAN, 87],
  [MDC.ETCO2, 36],
  [MDC.TEMP, 36.6],
  [MDC.ET_AGENT, 1.9],
  [MDC.MAC, 0.95],
  [MDC.RESP_RATE, 12],
  [MDC.FIO2, 50],
  [MDC.PUMP_RATE, 20],
  [MDC.PUMP_RATE, 6],
  [MDC.INSUF_PRESS, 12],
];

export interface SyntheticCase {
  caseId: string;
  startMs: number;
  endMs: number;
  /** A single-sample spike per vital numeric (an overview must show it). */
  spikes: { deviceId: string; channel: number; tMs: number; value: number }[];
  devices: DeviceDescriptor[];
}

const ch = (index: number, kind: ChannelDescriptor['kind'], t: MdcTerm, extra: Partial<ChannelDescriptor> = {}): ChannelDescriptor => ({
  index,
  kind,
  mdc: t.mdc,
  label: t.label,
  unit: t.unit,
  ...extra,
});

function descriptors(): DeviceDescriptor[] {
  const dev = (id: string, kind: DeviceKind, channels: ChannelDescriptor[]): DeviceDescriptor => ({
    protocol: 1,
    deviceId: id,
    kind,
    manufacturer: 'Synthetic',
    model: id,
    serial: id,
    heartbeatMs: 1000,
    channels,
  });
  const waves = WAVES.map(([t, rateHz, scale], i) => ch(i, 'wave', t, { rateHz, format: 'i16', scale, offset: 0 }));
  const vitals = VITALS.map(([t], i) => ch(100 + i, 'numeric', t));
  const fillers = Array.from({ length: 60 - VITALS.length }, (_, i) => ch(200 + i, 'numeric', { mdc: `MDC_SYNTH_${i}`, label: `N${i}`, unit: '1' }));
  return [
    dev('syn-monitor', 'patient-monitor', [...waves, ...vitals, { index: 300, kind: 'setting', mdc: MDC.SET_PEEP.mdc, label: 'PEEP set', unit: 'cm[H2O]' }]),
    dev('syn-aux', 'other', fillers),
    dev(
      'syn-tracker',
      'navigation-tracker',
      [0, 1, 2].map((i) => ch(i, 'pose', MDC.POSE_INSTRUMENT, { label: `Tool ${i}`, rateHz: 60 })),
    ),
  ];
}

/** Writes the case into `file` (which must not exist); hub times start at startMs. */
export function writeSyntheticCase(file: string, hours: number, startMs = Date.UTC(2026, 0, 5, 8), seed = 1, meta: Partial<CaseMeta> = {}): SyntheticCase {
  const s = RecordingStore.open(file, { create: true });
  const caseId = `synthetic-${seed}-${hours}h`;
  const endMs = startMs + hours * 3600000;
  const devs = descriptors();
  const spikes: SyntheticCase['spikes'] = [];
  try {
    s.createCase(
      caseId,
      {
        procedure: 'Synthetic full OR',
        room: 'OR 7',
        team: [
          { role: 'surgeon', name: 'Dr Synth' },
          { role: 'anaesthetist', name: 'Dr Gas' },
        ],
        ...meta,
      },
      startMs - 60000,
    );
    s.setState('recording', startMs);
    const ids = new Map<string, Map<number, number>>();
    for (const d of devs) {
      ids.set(d.deviceId, s.upsertDevice(d, startMs));
      s.insertDeviceEvent(d.deviceId, startMs, 'online', 'hello');
    }
    const mon = ids.get('syn-monitor')!;
    // Waveform loop blocks, encoded once per channel.
    const loops = WAVES.map(([, rate, scale, f]) => {
      const n = rate * WAVE_BLOCK_S;
      const blocks: Uint8Array[] = [];
      for (let b = 0; b < LOOP_S / WAVE_BLOCK_S; b++) {
        const x = new Int16Array(n);
        for (let i = 0; i < n; i++) x[i] = Math.round(f(b * WAVE_BLOCK_S + i / rate) / scale);
        blocks.push(encodeWave(x));
      }
      return blocks;
    });
    const r = rng(seed);
    const mid = startMs + (endMs - startMs) / 2;
    const hourMs = 3600000;
    for (let h0 = startMs; h0 < endMs; h0 += hourMs) {
      const h1 = Math.min(endMs, h0 + hourMs);
      s.transaction(() => {
        WAVES.forEach(([, rate, scale], w) => {
          const n = rate * WAVE_BLOCK_S;
          for (let t = h0, k = Math.round((h0 - startMs) / (WAVE_BLOCK_S * 1000)); t < h1; t += WAVE_BLOCK_S * 1000, k++) {
            const data = loops[w][k % loops[w].length];
            s.insertWaveBlock(
              { channelId: mon.get(w)!, t0Ms: t, t1Ms: t + ((n - 1) * 1000) / rate, rateHz: rate, count: n, codec: data[0], scale, offset: 0, data },
              false,
            );
          }
        });
        const numeric = (channelId: number, base: number, spikeAt: number | null) => {
          for (let t = h0; t < h1; t += 60000) {
            const n = Math.min(60, Math.round((h1 - t) / 1000));
            const tt = new Float64Array(n);
            const v = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              tt[i] = t + i * 1000;
              v[i] = Math.round((base * (1 + 0.05 * Math.sin(tt[i] / 900000)) + 0.01 * base * gauss(r)) * 10) / 10;
              if (spikeAt !== null && tt[i] === spikeAt) v[i] = base * 3;
            }
            s.insertSeriesBlock(
              'numeric_blocks',
              { channelId, t0Ms: tt[0], t1Ms: tt[n - 1], count: n, data: encodeColumns([tt, v, new Uint16Array(n)]) },
              false,
            );
          }
        };
        VITALS.forEach(([, base], i) => {
          // One spike per vital in the first hour, at a whole second.
          const spikeAt = h0 === startMs ? startMs + Math.round(((0.1 + 0.05 * i) * Math.min(hourMs, endMs - startMs)) / 1000) * 1000 : null;
          if (spikeAt !== null) spikes.push({ deviceId: 'syn-monitor', channel: 100 + i, tMs: spikeAt, value: base * 3 });
          numeric(mon.get(100 + i)!, base, spikeAt);
        });
        for (const id of ids.get('syn-aux')!.values()) numeric(id, 50, null);
        for (const [tool, id] of ids.get('syn-tracker')!) {
          for (let t = h0; t < h1; t += 8000) {
            if (t >= mid - 8000 && t < mid + 20000) continue; // tracking lost (see the offline event below)
            const n = Math.min(480, Math.floor((h1 - t) / (1000 / 60)));
            const cols = [new Float64Array(n), new Float32Array(n), new Uint16Array(n), ...Array.from({ length: 16 }, () => new Float32Array(n))];
            for (let i = 0; i < n; i++) {
              const ti = t + (i * 1000) / 60;
              cols[0][i] = ti;
              cols[1][i] = ti % 600000 < 5000 ? 0.2 : 0.95;
              for (const d of [0, 5, 10, 15]) cols[3 + d][i] = 1;
              cols[15][i] = 100 * tool + 40 * Math.sin(ti / 3000);
              cols[16][i] = 50 + 30 * Math.cos(ti / 4000);
              cols[17][i] = -1200;
            }
            s.insertSeriesBlock('pose_blocks', { channelId: id, t0Ms: cols[0][0], t1Ms: cols[0][n - 1], count: n, data: encodeColumns(cols) }, false);
          }
        }
        for (let t = h0; t < h1; t += 60000) {
          const m = Math.round((t - startMs) / 60000);
          if (m % 10 === 0) s.insertSetting('syn-monitor', 300, t, m % 20 === 0 ? 5 : 8, '');
          if (m % 15 === 5) s.insertAlarm({ deviceId: 'syn-monitor', channel: 101, tMs: t, priority: 2, state: 1, code: 1001, text: 'SpO2 LOW' });
          if (m % 15 === 6) s.insertAlarm({ deviceId: 'syn-monitor', channel: 101, tMs: t, priority: 2, state: 0, code: 1001, text: 'SpO2 LOW' });
          if (m % 20 === 0) s.insertEvent('syn-aux', 0, t, 'ESU_ACTIVATION_START', 'CUT 30 W');
        }
      });
    }
    // The tracker drops out for 20 s half way; a gap; images and a registration; markers.
    s.insertDeviceEvent('syn-tracker', mid, 'offline', 'silent');
    s.insertDeviceEvent('syn-tracker', mid + 20000, 'online', 'hello');
    s.insertGap({ deviceId: 'syn-tracker', channel: -1, fromMs: mid, toMs: mid + 20000, lostFrames: 0, reason: 'link-down' });
    s.insertDicomShown({ tMs: startMs + 1000, seriesUid: '1.2.3.4.5', modality: 'CT', description: 'Abdomen', source: '/nonexistent/ct-series' });
    s.insertRegistration({
      tMs: startMs + 2000,
      seriesUid: '1.2.3.4.5',
      trackerDeviceId: 'syn-tracker',
      method: 'paired-points',
      matrix: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 10, 20, 30, 1],
      freMm: 1.2,
    });
    for (const [kind, frac] of [
      ['incision', 0.1],
      ['specimen-out', 0.6],
      ['closure-start', 0.8],
    ] as const) {
      s.appendAnnotation({ action: 'create', input: { kind, tMs: startMs + frac * (endMs - startMs), role: 'surgeon' } }, [], endMs);
    }
    s.touchData(endMs);
    s.setState('ended', endMs);
  } finally {
    s.close();
  }
  return { caseId, startMs, endMs, spikes, devices: devs };
}
