/**
 * npm run bench:record [-- --hours 8 --speed 60 --no-docs]
 *
 * Records a nominal full OR (20 devices, 12 waveforms, 60 numerics at 1 Hz,
 * 3 tracked tools at 60 Hz, settings, alarms, annotations) through a real
 * Recorder and worker into a real SQLite file at `speed` times real time, then
 * reports size (bytes/hour, bytes per waveform sample, ratios to raw float32
 * and to gzip of float32 as VitalRecorder stores them), the hub's extra CPU,
 * event-loop delay (the display path's latency), and whether ingest kept up.
 * Then compresses the real WFDB records in ../shared the same way.
 * Writes its table to docs/benchmarks.md (section "Recording"); the last line
 * of output is one JSON object of figures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import type { ChannelDescriptor, DeviceDescriptor, DeviceKind } from '../native-bridge/common/descriptor';
import { AlarmPriority, AlarmState } from '../native-bridge/common/wire';
import { Recorder } from '../main/recorder/recorder';
import { AlarmBoard } from '../main/hub/alarm-board';
import { listRecordingFiles } from '../main/recorder/store';
import { encodeWave } from '../main/recorder/wavecodec';
import { readWfdbRecord, wfdbDir } from '../main/recorder/wfdb';
import { gauss, rng } from '../native-bridge/common/sim/physiology';

// ---------------------------------------------------------------- options

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
const HOURS = arg('hours', 8);
const SPEED = arg('speed', 60);
const BASELINE_S = arg('baseline', 15);
const WRITE_DOCS = !process.argv.includes('--no-docs');
const TICK_MS = 10;
const FRAME_MS = 50;

// ---------------------------------------------------------------- signals

const g = (t: number, mu: number, sigma: number) => Math.exp(-((t - mu) ** 2) / (2 * sigma * sigma));

/** Beat times over `seconds` with ~70/min and mild variability. */
function beats(seconds: number, r: () => number, meanRR = 0.857): number[] {
  const out: number[] = [];
  for (let t = 0.3; t < seconds + 2; t += meanRR + 0.04 * Math.sin(t / 4) + 0.01 * gauss(r)) out.push(t);
  return out;
}

interface WaveSpec {
  label: string;
  mdc: string;
  unit: string;
  rateHz: number;
  scale: number;
  /** Physical value at time t (s) for a given beat list and breath period. */
  value: (t: number, ctx: { beats: number[]; r: () => number }) => number;
  /** Noise, physical units (σ). */
  noise: number;
}

function nearestBeat(b: number[], t: number): number {
  // beats are ~0.86 s apart: index by estimate, then adjust.
  let i = Math.max(0, Math.min(b.length - 1, Math.floor(t / 0.857)));
  while (i > 0 && b[i] > t + 0.45) i--;
  while (i < b.length - 1 && b[i + 1] <= t + 0.45) i++;
  return b[i];
}

/** ECG (mV) as a sum of Gaussians per beat (P, Q, R, S, T), with baseline wander. */
function ecg(gain: number, tGain: number): WaveSpec['value'] {
  return (t, { beats: b }) => {
    const d = t - nearestBeat(b, t);
    return (
      gain * (0.15 * g(d, -0.2, 0.025) - 0.1 * g(d, -0.035, 0.01) + 1.2 * g(d, 0, 0.011) - 0.25 * g(d, 0.035, 0.012)) +
      tGain * 0.3 * g(d, 0.3, 0.05) +
      0.05 * Math.sin(2 * Math.PI * 0.3 * t)
    );
  };
}

function pulse(base: number, amp: number, notch: number, delay: number): WaveSpec['value'] {
  return (t, { beats: b }) => {
    const d = t - nearestBeat(b, t - delay) - delay;
    return base + amp * (g(d, 0.12, 0.05) + notch * g(d, 0.32, 0.06)) + 0.02 * amp * Math.sin(2 * Math.PI * 0.2 * t);
  };
}

const BREATH_S = 5; // 12 breaths/min
const breathPhase = (t: number) => (t % BREATH_S) / BREATH_S;

const WAVES: { device: number; channel: number; spec: WaveSpec }[] = [
  { device: 0, channel: 0, spec: { label: 'ECG I', mdc: 'MDC_ECG_ELEC_POTL_I', unit: 'mV', rateHz: 500, scale: 0.005, value: ecg(0.6, 0.7), noise: 0.008 } },
  { device: 0, channel: 1, spec: { label: 'ECG II', mdc: 'MDC_ECG_ELEC_POTL_II', unit: 'mV', rateHz: 500, scale: 0.005, value: ecg(1.0, 1.0), noise: 0.008 } },
  {
    device: 0,
    channel: 2,
    spec: { label: 'ECG III', mdc: 'MDC_ECG_ELEC_POTL_III', unit: 'mV', rateHz: 500, scale: 0.005, value: ecg(0.4, 0.5), noise: 0.008 },
  },
  { device: 0, channel: 3, spec: { label: 'ECG V5', mdc: 'MDC_ECG_ELEC_POTL_V5', unit: 'mV', rateHz: 500, scale: 0.005, value: ecg(1.3, 1.2), noise: 0.008 } },
  {
    device: 0,
    channel: 4,
    spec: { label: 'Pleth', mdc: 'MDC_PULS_OXIM_PLETH', unit: '', rateHz: 125, scale: 0.001, value: pulse(0.5, 1.0, 0.3, 0.25), noise: 0.002 },
  },
  {
    device: 0,
    channel: 5,
    spec: { label: 'ABP', mdc: 'MDC_PRESS_BLD_ART_ABP', unit: 'mm[Hg]', rateHz: 125, scale: 0.1, value: pulse(72, 48, 0.35, 0.1), noise: 0.2 },
  },
  {
    device: 0,
    channel: 6,
    spec: {
      label: 'CVP',
      mdc: 'MDC_PRESS_BLD_VEN_CENT',
      unit: 'mm[Hg]',
      rateHz: 125,
      scale: 0.1,
      value: (t, c) => pulse(7, 3, 0.6, 0.05)(t, c) + 2 * Math.sin((2 * Math.PI * t) / BREATH_S),
      noise: 0.2,
    },
  },
  {
    device: 0,
    channel: 7,
    spec: {
      label: 'CO2',
      mdc: 'MDC_AWAY_CO2',
      unit: 'mm[Hg]',
      rateHz: 62.5,
      scale: 0.1,
      value: (t) => {
        const p = breathPhase(t);
        return p < 0.05 ? 38 * (1 - p / 0.05) : p < 0.35 ? 0 : 36 * (1 - Math.exp(-(p - 0.35) / 0.03)) + 4 * (p - 0.35);
      },
      noise: 0.15,
    },
  },
  {
    device: 0,
    channel: 8,
    spec: {
      label: 'Resp',
      mdc: 'MDC_IMPED_TTHOR',
      unit: 'Ohm',
      rateHz: 62.5,
      scale: 0.001,
      value: (t) => 0.6 * Math.sin((2 * Math.PI * t) / BREATH_S) + 0.05 * Math.sin(2 * Math.PI * t * 1.17),
      noise: 0.004,
    },
  },
  {
    device: 1,
    channel: 0,
    spec: {
      label: 'Paw',
      mdc: 'MDC_PRESS_AWAY',
      unit: 'cm[H2O]',
      rateHz: 62.5,
      scale: 0.1,
      value: (t) => {
        const p = breathPhase(t);
        return p < 0.33 ? 5 + 15 * Math.min(1, p / 0.08) - 3 * Math.max(0, (p - 0.2) / 0.13) : 5 + 12 * Math.exp(-(p - 0.33) / 0.02);
      },
      noise: 0.1,
    },
  },
  {
    device: 1,
    channel: 1,
    spec: {
      label: 'Flow',
      mdc: 'MDC_FLOW_AWAY',
      unit: 'L/min',
      rateHz: 62.5,
      scale: 0.1,
      value: (t) => {
        const p = breathPhase(t);
        return p < 0.33 ? 30 : -45 * Math.exp(-(p - 0.33) / 0.06);
      },
      noise: 0.2,
    },
  },
  { device: 2, channel: 0, spec: { label: 'EEG', mdc: 'MDC_EEG_ELEC_POTL_CRTX', unit: 'uV', rateHz: 128, scale: 0.1, value: () => 0, noise: 0 } },
];

const LOOP_S = 120;

/** Pre-generates LOOP_S seconds of raw counts per waveform (generation stays out of the measurement). */
function generate(): Int16Array[] {
  return WAVES.map((w, i) => {
    const r = rng(1000 + i);
    const b = beats(LOOP_S, rng(7));
    const n = Math.round(LOOP_S * w.spec.rateHz);
    const out = new Int16Array(n);
    let ar = 0;
    for (let k = 0; k < n; k++) {
      const t = k / w.spec.rateHz;
      let v: number;
      if (w.spec.label === 'EEG') {
        // Background EEG under anaesthesia: AR(1)-filtered noise, ~20 µV, plus 10 Hz spindles.
        ar = 0.9 * ar + 9 * gauss(r);
        v = ar + 8 * Math.sin(2 * Math.PI * 10 * t) * (0.5 + 0.5 * Math.sin((2 * Math.PI * t) / 3));
      } else v = w.spec.value(t, { beats: b, r }) + w.spec.noise * gauss(r);
      out[k] = Math.max(-32768, Math.min(32767, Math.round(v / w.spec.scale)));
    }
    return out;
  });
}

// ---------------------------------------------------------------- devices

const PUMP_DRUGS = ['Propofol', 'Remifentanil', 'Noradrenaline', 'Rocuronium', 'Insulin', 'Heparin', 'Crystalloid', 'Antibiotic'];

function devices(): DeviceDescriptor[] {
  const dev = (i: number, kind: DeviceKind, model: string, channels: ChannelDescriptor[]): DeviceDescriptor => ({
    protocol: 1,
    deviceId: `dev-${String(i).padStart(2, '0')}-${model.toLowerCase().replace(/[^a-z0-9]/g, '')}`,
    kind,
    manufacturer: 'Bench',
    model,
    serial: `SN${i}`,
    heartbeatMs: 1000,
    channels,
  });
  const num = (index: number, label: string, unit: string): ChannelDescriptor => ({
    index,
    kind: 'numeric',
    mdc: `MDC_BENCH_${label.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
    label,
    unit,
  });
  const wave = (w: (typeof WAVES)[number]): ChannelDescriptor => ({
    index: w.channel,
    kind: 'wave',
    mdc: w.spec.mdc,
    label: w.spec.label,
    unit: w.spec.unit,
    rateHz: w.spec.rateHz,
    format: 'i16',
    scale: w.spec.scale,
    offset: 0,
  });
  const wavesOf = (d: number) => WAVES.filter((w) => w.device === d).map(wave);
  const list: DeviceDescriptor[] = [
    dev(0, 'patient-monitor', 'Monitor', [
      ...wavesOf(0),
      ...['HR', 'SpO2', 'PR', 'ABP-S', 'ABP-D', 'ABP-M', 'CVP-M', 'EtCO2', 'FiCO2', 'RR', 'T1', 'T2', 'NIBP-S', 'NIBP-D', 'NIBP-M', 'ST-II'].map((l, k) =>
        num(100 + k, l, ''),
      ),
    ]),
    dev(1, 'anaesthesia-machine', 'Workstation', [
      ...wavesOf(1),
      ...['FiO2', 'EtO2', 'FiSevo', 'EtSevo', 'MAC', 'Ppeak', 'Pplat', 'PEEP', 'Vt', 'MV', 'RRset', 'FreshGas', 'Compliance', 'N2O'].map((l, k) =>
        num(100 + k, l, ''),
      ),
    ]),
    dev(2, 'other', 'BIS', [...wavesOf(2), ...['BIS', 'SQI', 'EMG', 'SR'].map((l, k) => num(100 + k, l, ''))]),
    ...PUMP_DRUGS.map((d, i) => dev(3 + i, 'infusion-pump', `Pump ${d}`, [num(0, 'Rate', 'mL/h'), num(1, 'Volume infused', 'mL')])),
    dev(11, 'electrosurgical-unit', 'ESU', [num(0, 'Cut power', 'W'), num(1, 'Coag power', 'W')]),
    dev(12, 'insufflator', 'Insufflator', [num(0, 'Pressure', 'mm[Hg]'), num(1, 'Flow', 'L/min'), num(2, 'Volume', 'L')]),
    dev(13, 'other', 'Warmer', [num(0, 'Blanket temp', 'Cel')]),
    dev(14, 'other', 'NMT', [num(0, 'TOF ratio', '%')]),
    dev(15, 'other', 'Cerebral oximeter', [num(0, 'rSO2 L', '%'), num(1, 'rSO2 R', '%')]),
    dev(16, 'other', 'Urine meter', [num(0, 'Urine', 'mL')]),
    dev(17, 'other', 'OR table', [{ index: 0, kind: 'setting', mdc: 'MDC_BENCH_TILT', label: 'Tilt', unit: 'deg' }]),
    dev(18, 'other', 'Fluid warmer', [num(0, 'Outlet temp', 'Cel')]),
    dev(
      19,
      'navigation-tracker',
      'Tracker',
      [0, 1, 2].map((i) => ({ index: i, kind: 'pose' as const, mdc: 'MDC_BENCH_POSE', label: ['Reference', 'Pointer', 'Probe'][i], unit: 'mm' })),
    ),
  ];
  return list;
}

// ---------------------------------------------------------------- run

interface Feeder {
  /** Advances virtual hub time to `vt` (ms), emitting everything due. */
  advance(vt: number): void;
  samples: number;
}

function makeFeeder(sink: Recorder | null, loops: Int16Array[], devs: DeviceDescriptor[], vt0: number): Feeder {
  const waveK = WAVES.map(() => 0);
  let frameT = vt0;
  let numT = vt0;
  let poseT = vt0;
  let slowT = vt0;
  const numerics = devs.flatMap((d) => d.channels.filter((c) => c.kind === 'numeric').map((c) => ({ d: d.deviceId, c: c.index })));
  const tracker = devs[devs.length - 1].deviceId;
  const m = new Float32Array(16);
  const r = rng(99);
  let slow = 0;
  const f: Feeder = {
    samples: 0,
    advance(vt: number) {
      while (frameT + FRAME_MS <= vt) {
        frameT += FRAME_MS;
        for (let i = 0; i < WAVES.length; i++) {
          const w = WAVES[i];
          const due = Math.floor(((frameT - vt0) * w.spec.rateHz) / 1000);
          const k = waveK[i];
          if (due <= k) continue;
          const loop = loops[i];
          const raw = new Int16Array(due - k);
          for (let j = 0; j < raw.length; j++) raw[j] = loop[(k + j) % loop.length];
          sink?.wave({
            deviceId: devs[w.device].deviceId,
            channel: w.channel,
            t0HubMs: vt0 + (k * 1000) / w.spec.rateHz,
            rateHz: w.spec.rateHz,
            raw,
            scale: w.spec.scale,
            offset: 0,
          });
          waveK[i] = due;
          f.samples += raw.length;
        }
      }
      while (numT + 1000 <= vt) {
        numT += 1000;
        for (const [j, n] of numerics.entries()) sink?.numeric(n.d, n.c, numT + (j % 7), 50 + 10 * Math.sin(numT / 600000 + j) + Math.round(r() * 10) / 10, 0);
      }
      while (poseT + 1000 / 60 <= vt) {
        poseT += 1000 / 60;
        const s = poseT / 1000;
        for (let tool = 0; tool < 3; tool++) {
          m.fill(0);
          m[0] = m[5] = m[10] = m[15] = 1;
          const move = tool === 0 ? 0 : 1;
          m[12] = 100 * tool + move * 40 * Math.sin(s / 3) + 0.05 * gauss(r);
          m[13] = 50 + move * 30 * Math.cos(s / 4) + 0.05 * gauss(r);
          m[14] = -1200 + move * 10 * Math.sin(s / 5) + 0.05 * gauss(r);
          m[1] = move * 0.1 * Math.sin(s / 7);
          m[4] = -m[1];
          sink?.pose(tracker, tool, poseT, 0.95, 0, m);
        }
      }
      while (slowT + 60000 <= vt) {
        slowT += 60000;
        slow++;
        if (slow % 10 === 0) sink?.setting(devs[17].deviceId, 0, slowT, (slow % 30) - 15, 'tilt');
        if (slow % 15 === 0)
          sink?.alarm(devs[0].deviceId, { channel: 101, tHubMs: slowT, priority: AlarmPriority.Medium, state: AlarmState.Active, code: 42, text: 'SpO2 low' });
        if (slow % 15 === 1 && slow > 1)
          sink?.alarm(devs[0].deviceId, { channel: 101, tHubMs: slowT, priority: AlarmPriority.Medium, state: AlarmState.Ended, code: 42, text: 'SpO2 low' });
        if (slow % 20 === 0) sink?.event(devs[11].deviceId, 0, slowT, 'ACTIVATION', 'cut');
      }
    },
  };
  return f;
}

interface Phase {
  wallS: number;
  virtualS: number;
  cpuS: number;
  elu: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  samples: number;
}

async function runPhase(
  sink: Recorder | null,
  loops: Int16Array[],
  devs: DeviceDescriptor[],
  vt0: number,
  virtualS: number,
  onTick?: () => void,
): Promise<Phase> {
  const feeder = makeFeeder(sink, loops, devs, vt0);
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const w0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const wall = performance.now() - w0;
      const vt = vt0 + Math.min(wall * SPEED, virtualS * 1000);
      feeder.advance(vt);
      onTick?.();
      if (vt - vt0 >= virtualS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const wallS = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  h.disable();
  return {
    wallS,
    virtualS,
    cpuS: (cpu.user + cpu.system) / 1e6,
    elu,
    delayP50Ms: h.percentile(50) / 1e6,
    delayP99Ms: h.percentile(99) / 1e6,
    delayMaxMs: h.max / 1e6,
    samples: feeder.samples,
  };
}

/** gzip (default level, as .vital files) of channel samples as float32 physical values. */
function gzipF32BytesPerSample(raw: ArrayLike<number>, scale: number, offset = 0): number {
  const f = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) f[i] = raw[i] * scale + offset;
  return gzipSync(new Uint8Array(f.buffer)).length / raw.length;
}

function codecBytesPerSample(x: Int32Array | Int16Array, rateHz: number): number {
  const block = Math.round(rateHz * 4);
  let bytes = 0;
  for (let i = 0; i < x.length; i += block) bytes += encodeWave(x.subarray(i, i + block)).length;
  return bytes / x.length;
}

function fmt(n: number, d = 2): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'or-hub-bench-record-'));
  const devs = devices();
  const loops = generate();
  const wavesPerS = WAVES.reduce((a, w) => a + w.spec.rateHz, 0);
  console.log(
    `bench:record: ${devs.length} devices, ${WAVES.length} waveforms (${wavesPerS} samples/s), ` +
      `${devs.flatMap((d) => d.channels).filter((c) => c.kind === 'numeric').length} numerics at 1 Hz, 3 ` +
      `tools at 60 Hz`,
  );
  console.log(`recording ${HOURS} h at ${SPEED}x real time (${fmt((HOURS * 3600) / SPEED / 60, 1)} min) into ${dataDir}; cpus: ${os.cpus().length}`);

  // Baseline: the same feed into no sink, to separate generation cost from recording cost.
  const base = await runPhase(null, loops, devs, Date.UTC(2026, 0, 1, 8), Math.min(BASELINE_S * SPEED, HOURS * 3600));
  const board = new AlarmBoard();
  const rec = await Recorder.open({ dataDir, alarms: board });
  const alarms: string[] = [];
  board.subscribe((a) => alarms.push(`${a.code} ${a.state === 'active'}`));
  const vt0 = Date.UTC(2026, 0, 1, 8);
  for (const d of devs) rec.deviceOnline(d, vt0);
  await rec.createCase({
    procedure: 'Bench: nominal full OR',
    room: 'Bench',
    team: [
      { role: 'surgeon', name: 'S' },
      { role: 'anaesthetist', name: 'A' },
    ],
  });
  await rec.startRecording();
  let maxInFlight = 0;
  let maxBuffered = 0;
  const run = await runPhase(rec, loops, devs, vt0, HOURS * 3600, () => {
    const s = rec.stats();
    maxInFlight = Math.max(maxInFlight, s.inFlightBatches);
    maxBuffered = Math.max(maxBuffered, s.bufferedBytes + s.inFlightBytes);
  });
  const tEnd = performance.now();
  await rec.endCase();
  const drainMs = performance.now() - tEnd;
  const stats = rec.stats();
  await rec.close();

  const file = listRecordingFiles(dataDir)[0];
  const fileBytes = fs.statSync(file).size + (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
  const db = new Database(file, { readonly: true });
  const q = (sql: string) => db.prepare(sql).get() as { n: number; b: number };
  const wave = q('SELECT COALESCE(SUM(count),0) AS n, COALESCE(SUM(length(data)),0) AS b FROM wave_blocks');
  const num = q('SELECT COALESCE(SUM(count),0) AS n, COALESCE(SUM(length(data)),0) AS b FROM numeric_blocks');
  const pose = q('SELECT COALESCE(SUM(count),0) AS n, COALESCE(SUM(length(data)),0) AS b FROM pose_blocks');
  const perChannel = db
    .prepare(
      'SELECT c.label AS label, c.rate_hz AS rate, SUM(b.count) AS n, SUM(length(b.data)) AS b FROM ' +
        'wave_blocks b JOIN channels c ON c.id = b.channel_id GROUP BY c.id ORDER BY c.device_id, c.channel',
    )
    .all() as { label: string; rate: number; n: number; b: number }[];
  db.close();

  // gzip(float32) of the same samples: one LOOP_S-second stretch per channel, weighted by rate.
  let gzipBytesPerS = 0;
  for (const [i, w] of WAVES.entries()) gzipBytesPerS += gzipF32BytesPerSample(loops[i], w.spec.scale) * w.spec.rateHz;
  const gzipPerSample = gzipBytesPerS / wavesPerS;

  const hours = run.virtualS / 3600;
  const wavePerSample = wave.b / wave.n;
  const filePerWaveSample = fileBytes / wave.n;
  const extraCpuCores = run.cpuS / run.wallS - base.cpuS / base.wallS;
  const extraHubThread = run.elu - base.elu;
  const dropped = stats.droppedSamples + stats.droppedNumerics + stats.droppedPoses;

  // Real records, compressed the same way (4 s blocks).
  const wfdb: { record: string; signal: string; rateHz: number; samples: number; bytesPerSample: number; gzipF32BytesPerSample: number }[] = [];
  const dir = wfdbDir();
  if (dir) {
    for (const r of ['100', '03700181', 'a103l', 'v102s']) {
      for (const ch of readWfdbRecord(dir, r).channels) {
        wfdb.push({
          record: r,
          signal: ch.signal.description,
          rateHz: ch.rateHz,
          samples: ch.samples.length,
          bytesPerSample: codecBytesPerSample(ch.samples, ch.rateHz),
          gzipF32BytesPerSample: gzipF32BytesPerSample(ch.samples, 1 / ch.signal.gain, -ch.signal.baseline / ch.signal.gain),
        });
      }
    }
  } else console.log('wfdb records: skipped, ../shared/data/waveforms/wfdb not found');

  const lines: string[] = [];
  const L = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  L(
    `Nominal full OR: ${devs.length} devices, ${WAVES.length} waveforms (4 ECG at 500 Hz, pleth/ABP/CVP ` +
      `at 125 Hz, CO2/resp/Paw/flow at 62.5 Hz, EEG at 128 Hz; ${wavesPerS} samples/s, int16 at device ` +
      `resolution), ${devs.flatMap((d) => d.channels).filter((c) => c.kind === 'numeric').length} numerics ` +
      `at 1 Hz, 3 tools at 60 Hz, settings, alarms. ${fmt(hours, 2)} h recorded at ${SPEED}x real time ` +
      `(${fmt(run.wallS / 60, 1)} min wall) on ${os.cpus().length} CPUs ` +
      `(${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.versions.node}.`,
  );
  L('');
  L('| figure | value |');
  L('| --- | --- |');
  L(`| file size | ${fmt(fileBytes / 1048576, 1)} MiB for ${fmt(hours, 2)} h |`);
  L(`| bytes per hour (whole file) | ${fmt(fileBytes / hours / 1048576, 2)} MiB/h |`);
  L(
    `| of which waveforms / numerics / poses | ${fmt(wave.b / hours / 1048576, 2)} / ` +
      `${fmt(num.b / hours / 1048576, 2)} / ${fmt(pose.b / hours / 1048576, 2)} MiB/h |`,
  );
  L(`| bytes per waveform sample (codec) | ${fmt(wavePerSample, 3)} |`);
  L(`| bytes per waveform sample (whole file / waveform samples) | ${fmt(filePerWaveSample, 3)} |`);
  L(`| vs raw float32 (4 B/sample) | ${fmt(4 / wavePerSample, 1)}x smaller |`);
  L(
    `| vs gzip of float32 (VitalRecorder approach; ${fmt(gzipPerSample, 3)} B/sample on a ${LOOP_S} s ` +
      `stretch of each channel) | ${fmt(gzipPerSample / wavePerSample, 2)}x smaller |`,
  );
  L(
    `| extra CPU while recording (process, all threads) | ${fmt(extraCpuCores * 100, 1)} % of one core ` +
      `at ${SPEED}x = ${fmt((extraCpuCores * 100) / SPEED, 2)} % at real time |`,
  );
  L(
    `| extra hub-thread load (event-loop utilisation) | ${fmt(extraHubThread * 100, 1)} % at ${SPEED}x = ` +
      `${fmt((extraHubThread * 100) / SPEED, 2)} % at real time |`,
  );
  L(`| hub event-loop delay p50 / p99 / max, baseline | ${fmt(base.delayP50Ms, 1)} / ${fmt(base.delayP99Ms, 1)} / ${fmt(base.delayMaxMs, 1)} ms |`);
  L(`| hub event-loop delay p50 / p99 / max, recording | ${fmt(run.delayP50Ms, 1)} / ${fmt(run.delayP99Ms, 1)} / ${fmt(run.delayMaxMs, 1)} ms |`);
  L(
    `| machine load (1/5/15-min load average at the end) | ${os
      .loadavg()
      .map((x) => fmt(x, 1))
      .join(' / ')} on ${os.cpus().length} CPUs; other jobs running here inflate the CPU and delay figures |`,
  );
  L(
    `| ingest kept up | ${dropped === 0 && alarms.length === 0 ? 'yes' : 'NO'}: ${dropped} items ` +
      `dropped, peak ${maxInFlight} batches in flight, peak ${fmt(maxBuffered / 1048576, 2)} MiB buffered, ` +
      `final drain ${fmt(drainMs, 0)} ms, technical alarms: ${alarms.length ? alarms.join(', ') : 'none'} |`,
  );
  L('');
  L('Per waveform (bytes per sample, codec): ' + perChannel.map((c) => `${c.label} ${fmt(c.b / c.n, 3)}`).join(', ') + '.');
  if (wfdb.length) {
    L('');
    L('Real records (../shared/data/waveforms/wfdb), 4 s blocks, lossless at the ADC resolution:');
    L('');
    L('| record | signal | Hz | samples | bytes/sample | gzip(float32) bytes/sample |');
    L('| --- | --- | --- | --- | --- | --- |');
    for (const w of wfdb) L(`| ${w.record} | ${w.signal} | ${w.rateHz} | ${w.samples} | ${fmt(w.bytesPerSample, 3)} | ${fmt(w.gzipF32BytesPerSample, 3)} |`);
  }
  if (WRITE_DOCS) writeDocs(lines);
  const figures = {
    hours,
    speed: SPEED,
    wallS: run.wallS,
    fileBytes,
    bytesPerHour: fileBytes / hours,
    waveBytesPerHour: wave.b / hours,
    numericBytesPerHour: num.b / hours,
    poseBytesPerHour: pose.b / hours,
    waveSamples: wave.n,
    bytesPerWaveSample: wavePerSample,
    fileBytesPerWaveSample: filePerWaveSample,
    ratioVsFloat32: 4 / wavePerSample,
    gzipFloat32BytesPerSample: gzipPerSample,
    ratioVsGzipFloat32: gzipPerSample / wavePerSample,
    extraCpuCoresAtSpeed: extraCpuCores,
    extraCpuCoresRealTime: extraCpuCores / SPEED,
    extraHubThreadAtSpeed: extraHubThread,
    eventLoopDelayP99Ms: { baseline: base.delayP99Ms, recording: run.delayP99Ms },
    dropped,
    keptUp: dropped === 0 && alarms.length === 0,
    wfdb: Object.fromEntries(wfdb.map((w) => [`${w.record}/${w.signal}`, Number(w.bytesPerSample.toFixed(4))])),
  };
  if (process.argv.includes('--keep')) console.log(`kept ${file}`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(figures));
}

/** Replaces (or appends) the "## Recording (npm run bench:record)" section of docs/benchmarks.md. */
function writeDocs(lines: string[]): void {
  const file = path.resolve(__dirname, '../docs/benchmarks.md');
  const heading = '## Recording (npm run bench:record)';
  const body = `${heading}\n\n${lines.join('\n')}\n\nRun ${new Date().toISOString().slice(0, 10)}; see docs/recording.md for the codec and storage layout.\n`;
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const at = text.indexOf(heading);
  let out: string;
  if (at < 0) out = `${text.replace(/\s*$/, '')}\n\n${body}`;
  else {
    const next = text.indexOf('\n## ', at + heading.length);
    out = text.slice(0, at) + body + (next < 0 ? '' : `\n${text.slice(next + 1)}`);
  }
  fs.writeFileSync(file, out);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
