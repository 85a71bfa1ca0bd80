/**
 * npm run bench:record-latency [-- --seconds 35]
 *
 * Issue 6: recording a case must have no effect on display latency. In one run, for the
 * same nominal load (a full OR: 2 full simulated rooms + 1 partial = 20 devices,
 * 12 waveforms, in one load process), measures end-to-end latency from a probe device's
 * send to a display WebSocket client (p50/p99/max) with the hub (a) not recording and
 * (b) recording a case (POST /api/case; the recorder writes every sample to SQLite from
 * a worker thread), in alternating windows off, on, off, on (each a fresh `or-hub start`
 * process) so drift in machine load cancels out; reports the ratio (b)/(a) and the hub
 * process CPU (all threads, from /proc).
 *
 * The probe, the load and the hub process are bench/lib.ts's (shared with bench/bus.ts). No
 * documentation is written by this script; the last line of output is one JSON object of the figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLK_TCK, PARTIAL_ROOM, child, cpuTicks, killAll, opt, quantiles, finish, roleLoad, runBench, sleep, startHubProcess, startLatencyProbe } from './lib';
import { SIM_DEVICE_NAMES } from '../native-bridge/node/simulators/devices';

const ROOT = path.resolve(__dirname, '..');
const FULL = 2;
const PARTIAL = 1;

interface Window {
  recording: boolean;
  latencies: number[];
  hubCpuPct: number;
  loadCpuPct: number;
  loadAvg: number;
  recordedBytes: number;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += dirBytes(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}

async function window(index: number, recording: boolean, seconds: number): Promise<Window> {
  const hub = await startHubProcess(ROOT, 'reclat');
  const pid = hub.proc.pid!;
  const load = await child(
    ROOT,
    ['--import', 'tsx', __filename],
    ['--role', 'load', '--ep', hub.bus, '--full', String(FULL), '--partial', String(PARTIAL), '--prefix', `w${index}x`],
    /load \d+ devices/,
  );
  if (recording) {
    const r = await fetch(hub.origin + '/api/case', {
      method: 'POST',
      headers: { Authorization: `Bearer ${hub.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ procedure: 'Latency bench', team: [{ role: 'surgeon', name: 'x' }] }),
    });
    if (r.status !== 201) throw new Error(`POST /api/case: ${r.status} ${await r.text()}`);
  }
  const probe = await startLatencyProbe(hub);
  await sleep(5000); // HELLOs, clock sync, JIT warm-up, recorder start
  const bytes0 = dirBytes(hub.dataDir);
  probe.measure(true);
  const c0 = cpuTicks(pid);
  const l0 = cpuTicks(load.pid!);
  const w0 = performance.now();
  await sleep(seconds * 1000);
  probe.measure(false);
  const el = (performance.now() - w0) / 1000;
  const hubCpuPct = ((cpuTicks(pid) - c0) / CLK_TCK / el) * 100;
  const loadCpuPct = ((cpuTicks(load.pid!) - l0) / CLK_TCK / el) * 100;
  const loadAvg = os.loadavg()[0];
  const recordedBytes = dirBytes(hub.dataDir) - bytes0;
  await probe.stop();
  killAll();
  fs.rmSync(hub.dataDir, { recursive: true, force: true });
  const lat = probe.latencies;
  const q = quantiles(lat);
  console.log(
    `window ${index + 1} (${recording ? 'recording' : 'not recording'}): latency p50 ${q.p50.toFixed(2)} ` +
      `ms, p99 ${q.p99.toFixed(2)} ms, max ${q.max.toFixed(2)} ms (n=${q.n}); hub CPU ` +
      `${hubCpuPct.toFixed(1)} % of a core; simulators ${loadCpuPct.toFixed(0)} %; data dir grew ` +
      `${(recordedBytes / 1024).toFixed(0)} KiB; load average ${loadAvg.toFixed(2)}`,
  );
  return { recording, latencies: lat, hubCpuPct, loadCpuPct, loadAvg, recordedBytes };
}

async function main(): Promise<void> {
  if (opt('role') === 'load') return roleLoad();
  if (!fs.existsSync(path.join(ROOT, 'dist/hub/cli.cjs'))) throw new Error('run "node scripts/build.mjs" first');
  const seconds = Number(opt('seconds') ?? 35);
  const order = [false, true, false, true];
  const windows: Window[] = [];
  for (let i = 0; i < order.length; i++) windows.push(await window(i, order[i], seconds));
  const agg = (rec: boolean) => {
    const ws = windows.filter((w) => w.recording === rec);
    const q = quantiles(ws.flatMap((w) => w.latencies));
    return {
      p50: Number(q.p50.toFixed(3)),
      p99: Number(q.p99.toFixed(3)),
      max: Number(q.max.toFixed(3)),
      n: q.n,
      hubCpuPctOfCore: Number((ws.reduce((s, w) => s + w.hubCpuPct, 0) / ws.length).toFixed(1)),
      simulatorCpuPctOfCore: Number((ws.reduce((s, w) => s + w.loadCpuPct, 0) / ws.length).toFixed(1)),
      dataDirGrowthKiBPerS: Number((ws.reduce((s, w) => s + w.recordedBytes, 0) / ws.length / seconds / 1024).toFixed(1)),
    };
  };
  const off = agg(false);
  const on = agg(true);
  const ratio = (k: 'p50' | 'p99' | 'max' | 'hubCpuPctOfCore') => Number((on[k] / off[k]).toFixed(3));
  const figures = {
    load: {
      devices: FULL * SIM_DEVICE_NAMES.length + PARTIAL * PARTIAL_ROOM.length,
      waveforms: FULL * 6,
      secondsPerWindow: seconds,
      order: order.map((r) => (r ? 'on' : 'off')),
    },
    notRecording: off,
    recording: on,
    ratioRecordingOverNot: { p50: ratio('p50'), p99: ratio('p99'), max: ratio('max'), hubCpu: ratio('hubCpuPctOfCore') },
    windows: windows.map((w) => {
      const q = quantiles(w.latencies);
      return {
        recording: w.recording,
        p50: Number(q.p50.toFixed(3)),
        p99: Number(q.p99.toFixed(3)),
        max: Number(q.max.toFixed(3)),
        n: q.n,
        hubCpuPctOfCore: Number(w.hubCpuPct.toFixed(1)),
        loadAvg1m: Number(w.loadAvg.toFixed(2)),
      };
    }),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadAvgAtEnd: os.loadavg().map((x) => Number(x.toFixed(2))) },
  };
  console.log(JSON.stringify(figures));
  finish();
}

runBench(main);
